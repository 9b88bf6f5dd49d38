import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface StackFileConfig {
  /** `cmom:<key>` → the string Pulumi would hand the program (JSON text for objects). */
  readonly config: Record<string, string>;
  /** Keys Pulumi would report as secret: those holding an encrypted (`secure:`) value anywhere inside. */
  readonly secretKeys: string[];
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
  const document = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(document?.config ?? {})) {
    let encrypted = false;
    const plain = decryptOffline(value, () => { encrypted = true; });
    config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
    if (encrypted) secretKeys.push(key);
  }
  return { config, secretKeys };
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
