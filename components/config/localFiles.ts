import * as fs from "node:fs";
import * as path from "node:path";
import type { ClusterConfig } from "./clusterSchema";
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
  resources.deployments.forEach((d, i) => typeof d.inputs === "string" && wanted.push([`resources.deployments[${i}].inputs`, d.inputs, "file"]));
  if (restore?.snapshotPath !== undefined) wanted.push(["restore.snapshotPath", restore.snapshotPath, "file"]);

  return wanted.filter(([, file, kind]) => !isA(file, kind)).map(([key, file, kind]) => `cmom:${key}: no such ${kind} ${file}`);
}

function isA(file: string, kind: "file" | "folder"): boolean {
  try {
    const stat = fs.statSync(file);
    return kind === "file" ? stat.isFile() : stat.isDirectory();
  } catch {
    return false;
  }
}
