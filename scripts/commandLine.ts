import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>["values"];

/**
 * The scripts' shared command-line rules: `--help` prints the usage (exit 0); an unknown option or a wrong number of positionals
 * prints the usage on stderr (exit 2). Returns the parsed arguments, or the exit code to end with.
 */
export function parseCommandLine<O extends Options>(usage: string, options: O, positionals: number): { values: Values<O>; positionals: string[] } | number {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ allowPositionals: true, options: { ...options, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (parsed.positionals.length !== positionals) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  return { values: parsed.values as Values<O>, positionals: parsed.positionals };
}
