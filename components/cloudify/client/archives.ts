/** Upload archives built as the Cloudify CLI builds them, streamed to a file (never held in memory). */

/** A zip holding the wagon and plugin.yaml side by side (flat), under their own file names. */
export async function writePluginZip(wagonPath: string, yamlPath: string, zipPath: string): Promise<void> {
  const yazl: typeof import("yazl") = require("yazl");
  const fs: typeof import("node:fs") = require("node:fs");
  const path: typeof import("node:path") = require("node:path");
  const { pipeline } = require("node:stream/promises") as typeof import("node:stream/promises");
  const zip = new yazl.ZipFile();
  // Wagons are already compressed: storing them spares a pointless deflate pass.
  zip.addFile(wagonPath, path.basename(wagonPath), { compress: false });
  zip.addFile(yamlPath, path.basename(yamlPath));
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(zipPath, { mode: 0o600 }));
}

/** A tar.gz whose single top-level directory is the blueprint folder itself. */
export async function writeBlueprintTarGz(folder: string, archivePath: string): Promise<void> {
  const tar: typeof import("tar") = require("tar");
  const path: typeof import("node:path") = require("node:path");
  const absolute = path.resolve(folder);
  await tar.c({ gzip: true, portable: true, cwd: path.dirname(absolute), file: archivePath, mode: 0o600 }, [path.basename(absolute)]);
}
