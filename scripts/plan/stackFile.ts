import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { kindOf } from "../../components/config/formatIssues";
import { parseStackConfig } from "../../components/config/loadStackConfig";
import { isUnderSecure, securePaths } from "../../components/config/securePaths";

export interface StackFileConfig {
  /** `cmom:<key>` → the string Pulumi would hand the program (JSON text for objects). */
  readonly config: Record<string, string>;
  /** Keys Pulumi would report as secret: those holding an encrypted (`secure:`) value anywhere inside. */
  readonly secretKeys: string[];
  /** Key paths of the values held encrypted (see securePaths). */
  readonly secretPaths: string[];
}

export class StackFileError extends Error {}

/** Offline, ciphertext cannot be decrypted: it stands in as a placeholder, which previews accept. */
const ENCRYPTED_PLACEHOLDER = "[placeholder: encrypted in the stack file]";

/** A stack name (`pool` → stacks/Pulumi.pool.yaml) or a path to any `Pulumi.<stack>.yaml`. */
export function resolveStack(projectDir: string, stackOrFile: string): { stack: string; file: string } {
  if (/\.ya?ml$/.test(stackOrFile)) {
    return { stack: path.basename(stackOrFile).replace(/^Pulumi\./, "").replace(/\.ya?ml$/, ""), file: path.resolve(stackOrFile) };
  }
  return { stack: stackOrFile, file: path.join(projectDir, "stacks", `Pulumi.${stackOrFile}.yaml`) };
}

/** Reads a stack file the way the Pulumi CLI would present its config to the program. */
export function readStackFile(projectDir: string, stackOrFile: string): StackFileConfig {
  const { file } = resolveStack(projectDir, stackOrFile);
  if (!fs.existsSync(file)) {
    const known = fs.readdirSync(path.join(projectDir, "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5));
    throw new StackFileError(`no stack file ${path.relative(projectDir, file)} (stacks: ${known.join(", ")})`);
  }
  const shown = path.relative(projectDir, file).startsWith("..") ? file : path.relative(projectDir, file);
  const text = fs.readFileSync(file, "utf8");
  const parsed = parseDocument(text);
  if (parsed.errors.length > 0) {
    throw new StackFileError(parsed.errors.map((e) => {
      const at = e.linePos?.[0];
      return `${shown}:${at ? `${at.line}:${at.col}` : "?"}: not valid YAML: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`;
    }).join("\n"));
  }
  const document: unknown = parsed.toJS();
  if (document !== null && (typeof document !== "object" || Array.isArray(document))) {
    throw new StackFileError(`${shown}: expected a mapping with a config: key, found ${kindOf(document)}`);
  }
  const configValue = (document as { config?: unknown } | null)?.config ?? {};
  if (typeof configValue !== "object" || Array.isArray(configValue) || configValue === null) {
    throw new StackFileError(`${shown}: config: expected a mapping of <namespace>:<name> keys, found ${kindOf(configValue)}`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(configValue)) {
    let encrypted = false;
    const plain = decryptOffline(value, () => { encrypted = true; });
    config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
    if (encrypted) secretKeys.push(key);
  }
  return { config, secretKeys, secretPaths: securePaths(configValue as Record<string, unknown>) };
}

/**
 * Reads a stack file and validates its config as a preview would (placeholders accepted, local files only described), here where
 * the file tells which values are encrypted: the program's runtime knows only whole keys. Throws StackFileError or ConfigError.
 */
export function checkStackFile(projectDir: string, stackOrFile: string): StackFileConfig {
  const read = readStackFile(projectDir, stackOrFile);
  const { stack, file } = resolveStack(projectDir, stackOrFile);
  parseStackConfig(read.config, {
    stack,
    allowPlaceholders: true,
    checkLocalFiles: false,
    isSecret: (at) => isUnderSecure(read.secretPaths, at),
    paths: { stackDir: path.dirname(file), projectDir },
  });
  return read;
}

function decryptOffline(value: unknown, sawEncrypted: () => void): unknown {
  if (Array.isArray(value)) return value.map((v) => decryptOffline(v, sawEncrypted));
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === "secure") {
      sawEncrypted();
      return ENCRYPTED_PLACEHOLDER;
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, decryptOffline(v, sawEncrypted)]));
  }
  return value;
}
