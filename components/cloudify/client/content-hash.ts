import type { Readable } from "node:stream";

/**
 * Content digests computed on the operator side so that `diff` sees content changes, and on downloads so that an
 * existing object can be compared with the local one. A tree digest depends only on relative paths, file bytes and
 * symlink targets: not on mtimes, owners or the archive's top-level directory name.
 */

export async function sha256OfStream(stream: Readable): Promise<string> {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  const hash = crypto.createHash("sha256");
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function sha256OfFile(file: string): Promise<string> {
  const fs: typeof import("node:fs") = require("node:fs");
  return sha256OfStream(fs.createReadStream(file));
}

export function sha256OfText(text: string): string {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

/** One file or symlink of a tree: `digest` is the file's sha256 or the link's target. */
interface TreeEntry {
  readonly path: string;
  readonly kind: "file" | "symlink";
  readonly digest: string;
}

function treeDigest(entries: readonly TreeEntry[]): string {
  const lines = [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${e.kind} ${JSON.stringify(e.path)} ${e.digest}`);
  return sha256OfText(lines.join("\n"));
}

/** Digest of a local folder's files and symlinks (recursively), paths relative to the folder. */
export async function folderTreeDigest(folder: string): Promise<string> {
  const fs: typeof import("node:fs") = require("node:fs");
  const path: typeof import("node:path") = require("node:path");
  const entries: TreeEntry[] = [];
  const walk = async (dir: string, relative: string): Promise<void> => {
    for (const item of await fs.promises.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, item.name);
      const rel = relative ? `${relative}/${item.name}` : item.name;
      if (item.isDirectory()) await walk(full, rel);
      else if (item.isSymbolicLink()) entries.push({ path: rel, kind: "symlink", digest: await fs.promises.readlink(full) });
      else if (item.isFile()) entries.push({ path: rel, kind: "file", digest: await sha256OfFile(full) });
    }
  };
  await walk(folder, "");
  return treeDigest(entries);
}

/** Digest of a tar.gz with one top-level directory, streamed (the same value `folderTreeDigest` gives for that folder). */
export async function tarGzTreeDigest(archive: Readable): Promise<string> {
  const tar: typeof import("tar") = require("tar");
  const crypto: typeof import("node:crypto") = require("node:crypto");
  const { pipeline } = require("node:stream/promises") as typeof import("node:stream/promises");
  const entries: TreeEntry[] = [];
  const pending: Promise<void>[] = [];
  const parser = new tar.Parser({
    onReadEntry: (entry) => {
      const rel = entry.path.replace(/^\.?\/*/, "").split("/").slice(1).join("/").replace(/\/+$/, "");
      if (entry.type === "SymbolicLink" && rel) {
        entries.push({ path: rel, kind: "symlink", digest: entry.linkpath ?? "" });
      } else if ((entry.type === "File" || entry.type === "OldFile") && rel) {
        const hash = crypto.createHash("sha256");
        entry.on("data", (chunk: Buffer) => hash.update(chunk));
        pending.push(new Promise((resolve) => entry.on("end", () => {
          entries.push({ path: rel, kind: "file", digest: hash.digest("hex") });
          resolve();
        })));
        return;
      }
      entry.resume();
    },
  });
  await pipeline(archive, parser);
  await Promise.all(pending);
  return treeDigest(entries);
}

/** Identity of a plugin's local content: its wagon and plugin.yaml. */
export async function pluginContentHash(wagonPath: string, yamlPath: string): Promise<string> {
  return sha256OfText(`wagon ${await sha256OfFile(wagonPath)}\nyaml ${await sha256OfFile(yamlPath)}`);
}
