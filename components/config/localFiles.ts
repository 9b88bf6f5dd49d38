import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { ClusterConfig } from "./clusterSchema";
import { kindOf } from "./formatIssues";
import { isUrl } from "./primitives";
import type { ResourcesConfig } from "./resourcesSchema";
import type { RestoreConfig } from "./restoreSchema";

interface WithLocalFiles {
  readonly cluster?: ClusterConfig;
  readonly resources: ResourcesConfig;
  readonly restore?: RestoreConfig;
}

/** Every local file or folder the config names that is not there, as `<key path>: …` lines (paths relative to the project). */
export function missingLocalFiles(config: WithLocalFiles): string[] {
  const wanted: [key: string, file: string, kind: "file" | "folder"][] = [];
  const { cluster, resources, restore } = config;
  if (cluster && !isUrl(cluster.installRpm)) wanted.push(["cluster.installRpm", cluster.installRpm, "file"]);
  cluster?.scripts.forEach((s, i) => wanted.push([`cluster.scripts[${i}]`, s, "file"]));
  cluster?.files.forEach((f, i) => wanted.push([`cluster.files[${i}].src`, f.src, "file"]));
  resources.secrets.forEach((s, i) => s.file !== undefined && wanted.push([`resources.secrets[${i}].file`, s.file, "file"]));
  resources.plugins.forEach((p, i) => wanted.push([`resources.plugins[${i}].wagon`, p.wagon, "file"], [`resources.plugins[${i}].yaml`, p.yaml, "file"]));
  resources.blueprints.forEach((b, i) => wanted.push([`resources.blueprints[${i}].path`, path.join(b.folder, b.filename), "file"]));
  if (restore?.snapshotPath !== undefined) wanted.push(["restore.snapshotPath", restore.snapshotPath, "file"]);

  return wanted.filter(([, file, kind]) => !isA(file, kind)).map(([key, file, kind]) => `cmom:${key}: no such ${kind} ${file}`);
}

/**
 * Deployment inputs files the program reads in every run, previews and the offline plan included (their values are the
 * deployment's inputs): each must be there and hold a YAML mapping.
 */
export function inputsFileProblems(resources: ResourcesConfig): string[] {
  return resources.deployments.flatMap((d, i) => {
    if (typeof d.inputs !== "string") return [];
    const read = readInputsFile(d.inputs);
    return "problem" in read ? [`cmom:resources.deployments[${i}].inputs: ${read.problem}`] : [];
  });
}

/** A deployment inputs file's mapping, or what is wrong with the file: the config check and the program read it alike. */
export function readInputsFile(file: string): { readonly inputs: Record<string, unknown> } | { readonly problem: string } {
  if (!isA(file, "file")) return { problem: `no such file ${file}` };
  let inputs: unknown;
  try {
    inputs = parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    return { problem: `${file} is not valid YAML (${(error as Error).message.split("\n")[0]})` };
  }
  return inputs !== null && typeof inputs === "object" && !Array.isArray(inputs)
    ? { inputs: inputs as Record<string, unknown> }
    : { problem: `expected ${file} to hold a mapping of inputs, found ${kindOf(inputs)}` };
}

function isA(file: string, kind: "file" | "folder"): boolean {
  try {
    const stat = fs.statSync(file);
    return kind === "file" ? stat.isFile() : stat.isDirectory();
  } catch {
    return false;
  }
}
