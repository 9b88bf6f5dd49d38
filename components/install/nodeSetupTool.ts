import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { TOOL } from "./nodePaths";

export interface ToolFile {
  /** File name, the same under components/install/node-setup/ and on the node. */
  readonly name: string;
  readonly content: string;
  readonly executable: boolean;
}

/** The lifecycle tool as shipped to every node: cmom-node-setup, its setup.yaml and whatever else lives beside them. */
export interface NodeSetupTool {
  readonly files: readonly ToolFile[];
  /** SHA-256 over every file's name and content: a new tool version reruns the stages. */
  readonly digest: string;
}

export const NODE_SETUP_DIR = path.join(__dirname, "node-setup");

/** Reads the tool once per program run (the same for every node). */
export function readNodeSetupTool(dir: string = NODE_SETUP_DIR): NodeSetupTool {
  const toolName = path.basename(TOOL);
  const names = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
  if (!names.includes(toolName)) throw new Error(`${path.join(dir, toolName)}: missing (the node lifecycle tool every node needs)`);
  const files = names.map((name) => ({ name, content: fs.readFileSync(path.join(dir, name), "utf8"), executable: name === toolName }));
  const hash = createHash("sha256");
  for (const file of files) hash.update(`${file.name}\0${file.content}\0`);
  return { files, digest: hash.digest("hex") };
}
