import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";
import * as yauzl from "yauzl";

/** Server-side reading of uploaded archives: the double's own code, independent of the client's. */

export type ArchiveFormat = "zip" | "tar.gz" | "tar" | "unknown";

export async function archiveFormat(file: string): Promise<ArchiveFormat> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(262);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0x04034b50) return "zip";
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "tar.gz";
    if (bytesRead >= 262 && head.subarray(257, 262).toString("latin1") === "ustar") return "tar";
    return "unknown";
  } finally {
    await handle.close();
  }
}

export async function zipEntryNames(file: string): Promise<string[]> {
  const zip = await yauzl.openPromise(file);
  try {
    const names: string[] = [];
    for await (const entry of zip.eachEntry()) names.push(entry.fileName);
    return names;
  } finally {
    zip.close();
  }
}

/** Extracts the zip entries `wanted` returns a target path for. */
async function extractZip(file: string, target: (name: string) => string | undefined): Promise<void> {
  const zip = await yauzl.openPromise(file);
  try {
    for await (const entry of zip.eachEntry()) {
      const destination = target(entry.fileName);
      if (destination === undefined || entry.fileName.endsWith("/")) continue;
      await mkdir(dirname(destination), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(destination));
    }
  } finally {
    zip.close();
  }
}

export function extractZipEntry(file: string, name: string, destination: string): Promise<void> {
  return extractZip(file, (entry) => (entry === name ? destination : undefined));
}

/** Extracts a tar(.gz) or zip into `dir`, refusing paths that leave it. */
export async function extractArchive(file: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const format = await archiveFormat(file);
  if (format === "zip") {
    return extractZip(file, (name) => {
      const relative = normalize(name);
      return relative.startsWith("..") || relative.startsWith("/") ? undefined : join(dir, relative);
    });
  }
  if (format === "tar.gz" || format === "tar") return tar.x({ file, cwd: dir, strict: true });
  throw new Error("not a tar, tar.gz or zip archive");
}

/** The `package.json` of a wagon (tar.gz with `<dir>/package.json`), or undefined. */
export async function wagonPackageJson(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string | undefined;
  const parser = new tar.Parser({
    onReadEntry: (entry) => {
      const parts = entry.path.replace(/^\.\//, "").split("/");
      if (parts.length === 2 && parts[1] === "package.json") {
        const chunks: Buffer[] = [];
        entry.on("data", (c: Buffer) => chunks.push(c));
        entry.on("end", () => (text = Buffer.concat(chunks).toString("utf8")));
      } else {
        entry.resume();
      }
    },
  });
  try {
    await pipeline(createReadStream(file), parser);
    return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

/** Fetches `url` (an `*_archive_url` parameter) to `file`; false when it cannot be fetched. */
export async function fetchToFile(url: string, file: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    if (!response.ok || !response.body) return false;
    await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), createWriteStream(file));
    return true;
  } catch {
    return false;
  }
}
