import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { fail, ManagerError } from "./http";
import type { BlueprintPlan } from "./state";

/** Workflows every blueprint gets from Cloudify's types.yaml (plugin `default_workflows`); their parameters are not checked here. */
export const BUILT_IN_WORKFLOW_PLUGIN = "default_workflows";
const BUILT_IN_WORKFLOWS = ["install", "uninstall", "update", "scale", "heal", "execute_operation", "install_new_agents", "start", "stop", "restart"];

const invalid = (message: string) => new ManagerError(400, "invalid_blueprint_error", message);

function mapping(value: unknown, where: string): Record<string, Record<string, unknown>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw invalid(`${where} must be a mapping`);
  return value as Record<string, Record<string, unknown>>;
}

/** Finds the single top-level directory of an extracted archive and parses its main yaml into a plan. */
export async function parseBlueprint(extracted: string, mainFileName: string): Promise<BlueprintPlan> {
  const top = await readdir(extracted);
  const dirs = [];
  for (const name of top) if ((await stat(join(extracted, name))).isDirectory()) dirs.push(name);
  if (top.length !== 1 || dirs.length !== 1) throw fail.badParameters(`Archive must contain exactly 1 directory, found ${JSON.stringify(top)}`);
  const main = join(extracted, dirs[0], mainFileName);
  if (!existsSync(main)) throw fail.badParameters(`${mainFileName} does not exist in the application directory`);
  let document: unknown;
  try {
    document = parse(await readFile(main, "utf8"));
  } catch (error) {
    throw invalid(`Failed parsing ${mainFileName}: ${(error as Error).message}`);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) throw invalid(`${mainFileName} is not a yaml mapping`);
  const doc = document as Record<string, unknown>;
  if (typeof doc.tosca_definitions_version !== "string" || doc.tosca_definitions_version === "") {
    throw invalid("'tosca_definitions_version' key is missing or empty");
  }
  const workflows: BlueprintPlan["workflows"] = {};
  for (const name of BUILT_IN_WORKFLOWS) workflows[name] = { operation: `cloudify.plugins.workflows.${name}`, plugin: BUILT_IN_WORKFLOW_PLUGIN, parameters: {} };
  for (const [name, definition] of Object.entries(mapping(doc.workflows, "workflows"))) {
    const spec = typeof definition === "string" ? { mapping: definition } : definition;
    if (typeof spec.mapping !== "string" || !spec.mapping.includes(".")) throw invalid(`workflow ${name}: mapping must be "<plugin>.<operation>"`);
    const [plugin, ...operation] = spec.mapping.split(".");
    workflows[name] = { plugin, operation: operation.join("."), parameters: mapping(spec.parameters, `workflow ${name} parameters`) };
  }
  const plugins = mapping(doc.plugins, "plugins");
  return {
    description: typeof doc.description === "string" ? doc.description : null,
    inputs: mapping(doc.inputs, "inputs"),
    outputs: mapping(doc.outputs, "outputs"),
    workflows,
    plugin_packages: Object.values(plugins)
      .map((p) => p.package_name)
      .filter((n): n is string => typeof n === "string"),
  };
}
