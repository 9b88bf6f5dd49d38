import * as fs from "node:fs";
import * as path from "node:path";
import { seedAndLinkScriptPath } from "./persistence/layout";

const HOOKS_DIR = path.join(__dirname, "hooks");

/** Script names in the scripts ConfigMap (and so in SCRIPTS_DIR inside the pod). */
export const SCRIPTS = {
  seedAndLink: "seed-and-link.sh",
  startManager: "start-manager.sh",
  applyAdminPassword: "apply-admin-password.sh",
  setAdminPassword: "set-admin-password.py",
  healthCheck: "health-check.sh",
  setManagerAddress: "set-manager-address.sh",
} as const;

/** Where a script is read from: the seed script from persistence/, every other one from hooks/. */
const sourceOf = (name: string): string => (name === SCRIPTS.seedAndLink ? seedAndLinkScriptPath : path.join(HOOKS_DIR, name));

/** The scripts as ConfigMap data, one entry per name in SCRIPTS. */
export function scriptFiles(): Record<string, string> {
  return Object.fromEntries(Object.values(SCRIPTS).map((name) => [name, fs.readFileSync(sourceOf(name), "utf8")]));
}
