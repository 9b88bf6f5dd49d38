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

/** The scripts as ConfigMap data: the seed script of persistence/ and the start hooks of hooks/. */
export function scriptFiles(): Record<string, string> {
  const read = (file: string) => fs.readFileSync(file, "utf8");
  return {
    [SCRIPTS.seedAndLink]: read(seedAndLinkScriptPath),
    [SCRIPTS.startManager]: read(path.join(HOOKS_DIR, SCRIPTS.startManager)),
    [SCRIPTS.applyAdminPassword]: read(path.join(HOOKS_DIR, SCRIPTS.applyAdminPassword)),
    [SCRIPTS.setAdminPassword]: read(path.join(HOOKS_DIR, SCRIPTS.setAdminPassword)),
    [SCRIPTS.healthCheck]: read(path.join(HOOKS_DIR, SCRIPTS.healthCheck)),
    [SCRIPTS.setManagerAddress]: read(path.join(HOOKS_DIR, SCRIPTS.setManagerAddress)),
  };
}
