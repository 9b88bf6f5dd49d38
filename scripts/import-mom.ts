// `npm run import-mom -- <inputs.yaml> <stack | path/to/Pulumi.<stack>.yaml> [--allow CIDR]…`: turns the inputs file of the
// Manager of Managers blueprint into a cmom stack file. Secret values are never written: the commands that set them are printed.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { migrateMomInputs } from "../components/import/momInputs";
import { parseCommandLine, processIo, type CommandIo } from "./commandLine";
import { resolveStack } from "./plan/stackFile";

const USAGE = `usage: npm run import-mom -- <inputs.yaml> <stack | path/to/Pulumi.<stack>.yaml> [--allow CIDR]…
  Writes stacks/Pulumi.<stack>.yaml (never over an existing file) from a Manager of Managers inputs file, prints the
  \`pulumi config set --secret\` command for each secret (values read from stdin, never written) and lists what was not migrated.
  --allow CIDR   who may reach 22/80/443 on the managers (repeatable; default: the private IPv4 ranges)`;
const projectDir = path.resolve(__dirname, "..");

/** Writes the stack file the arguments name; returns the exit code (0 written, 2 bad usage, unreadable inputs or an existing file). */
export function importMomMain(io: CommandIo): number {
  const parsed = parseCommandLine(USAGE, { allow: { type: "string", multiple: true } }, 2, io);
  if (typeof parsed === "number") return parsed;
  const [inputsFile, stackArg] = parsed.positionals as [string, string];
  const { stack, file } = resolveStack(projectDir, stackArg);
  const relative = path.relative(process.cwd(), file);
  const shown = relative.startsWith("..") ? file : relative;
  if (fs.existsSync(file)) {
    io.stderr(`${shown} exists: refusing to overwrite it (choose another stack name, or remove it)\n`);
    return 2;
  }
  let inputs: unknown;
  try {
    const text = fs.readFileSync(inputsFile, "utf8");
    inputs = parse(text);
  } catch (err) {
    io.stderr(`${inputsFile}: ${(err as Error).message.split("\n")[0]}\n`);
    return 2;
  }
  if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) {
    io.stderr(`${inputsFile}: expected a mapping of input names to values, found ${Array.isArray(inputs) ? "a list" : typeof inputs}\n`);
    return 2;
  }
  // `cfy install -i` takes the inputs at the top level; some keep them under `inputs:`, as the blueprint's README shows them.
  const top = inputs as Record<string, unknown>;
  const body = Object.keys(top).length === 1 && top.inputs !== null && typeof top.inputs === "object" ? top.inputs as Record<string, unknown> : top;

  const migration = migrateMomInputs(body, {
    inputsDir: path.dirname(path.resolve(inputsFile)),
    stackPaths: { stackDir: path.dirname(file), projectDir },
    allowedCidrs: parsed.values.allow,
  });
  const header = `# Migrated from ${path.basename(inputsFile)} (Manager of Managers blueprint inputs) by npm run import-mom.\n` +
    "# Secrets are placeholders: set each with the command import-mom printed (pulumi config set --secret --path …).\n";
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, header + stringify({ config: migration.config }), { flag: "wx" });

  const out: string[] = [`wrote ${shown}`];
  if (migration.secrets.length > 0) {
    out.push("", "Set each secret (the value is read from standard input, so it never appears on a command line):");
    for (const s of migration.secrets) {
      const from = s.file ?? `${s.input.replace(/[^A-Za-z0-9_]+/g, "-").replace(/-$/, "")}.secret`;
      const hint = s.file ? "" : `   # first put the value of input ${s.input} in that file (private), delete it afterwards`;
      out.push(`  pulumi config set -s ${stack} --secret --path '${s.key}' < ${from}${hint}`);
    }
  }
  if (migration.notes.length > 0) out.push("", "Review:", ...migration.notes.map((n) => `  ${n}`));
  if (migration.notMigrated.length > 0) out.push("", "Not migrated:", ...migration.notMigrated.map((n) => `  ${n.input}: ${n.reason}`));
  out.push("", `Then: npm run plan -- ${stackArg}`);
  io.stdout(`${out.join("\n")}\n`);
  return 0;
}

if (require.main === module) process.exitCode = importMomMain(processIo());
