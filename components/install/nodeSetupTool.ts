import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { TOOL } from "./nodePaths";

interface ToolFile {
  /** File name, the same under components/install/node-setup/ and on the node. */
  readonly name: string;
  /** Local path, relative to the project directory (Pulumi's working directory), so the state does not depend on the checkout. */
  readonly source: string;
  readonly executable: boolean;
}

/** The lifecycle tool as shipped to every node: cmom-node-setup, its setup.yaml and whatever else lives beside them. */
export interface NodeSetupTool {
  readonly files: readonly ToolFile[];
  /** SHA-256 over every file's name and content: a new tool version reruns the stages. */
  readonly digest: string;
}

const NODE_SETUP_DIR = path.join(__dirname, "node-setup");

/** Reads the tool once per program run (the same for every node). */
export function readNodeSetupTool(dir: string = NODE_SETUP_DIR): NodeSetupTool {
  const toolName = path.basename(TOOL);
  const names = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
  if (!names.includes(toolName)) throw new Error(`${path.join(dir, toolName)}: missing (the node lifecycle tool every node needs)`);
  const hash = createHash("sha256");
  const files = names.map((name) => {
    const file = path.join(dir, name);
    hash.update(`${name}\0`).update(fs.readFileSync(file)).update("\0");
    return { name, source: path.relative(process.cwd(), file), executable: name === toolName };
  });
  return { files, digest: hash.digest("hex") };
}
