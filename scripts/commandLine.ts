import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>["values"];

/** Where a script reads its arguments and writes its answers: the process's own, or a test's. */
export interface CommandIo {
  readonly argv: readonly string[];
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The process's own arguments, stdout and stderr. */
export function processIo(): CommandIo {
  return { argv: process.argv.slice(2), stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };
}

/**
 * The scripts' shared command-line rules: `--help` prints the usage (exit 0); an unknown option or a wrong number of positionals
 * prints the usage on stderr (exit 2). Returns the parsed arguments, or the exit code to end with.
 */
export function parseCommandLine<O extends Options>(
  usage: string,
  options: O,
  positionals: number,
  io: CommandIo = processIo(),
): { values: Values<O>; positionals: string[] } | number {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...io.argv], allowPositionals: true, options: { ...options, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  if (parsed.positionals.length !== positionals) {
    io.stderr(`${usage}\n`);
    return 2;
  }
  return { values: parsed.values as Values<O>, positionals: parsed.positionals };
}
