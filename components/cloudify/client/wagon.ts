/** The metadata a wagon (`.wgn`: a tar.gz with `<dir>/package.json`) declares; the manager indexes plugins by it. */
export interface WagonMetadata {
  readonly package_name: string;
  readonly package_version: string;
  readonly supported_platform?: string;
}

const MAX_METADATA_BYTES = 1 << 20;

/** Reads `<top-level dir>/package.json` from a wagon, streaming; throws naming the file when it is not a wagon. */
export async function readWagonMetadata(wagonPath: string): Promise<WagonMetadata> {
  const tar: typeof import("tar") = require("tar");
  const fs: typeof import("node:fs") = require("node:fs");
  const { pipeline } = require("node:stream/promises") as typeof import("node:stream/promises");
  let text: string | undefined;
  const parser = new tar.Parser({
    onReadEntry: (entry) => {
      const parts = entry.path.replace(/^\.?\/*/, "").split("/");
      if (text === undefined && parts.length === 2 && parts[1] === "package.json" && entry.size <= MAX_METADATA_BYTES) {
        const chunks: Buffer[] = [];
        entry.on("data", (chunk: Buffer) => chunks.push(chunk));
        entry.on("end", () => (text = Buffer.concat(chunks).toString("utf8")));
        return;
      }
      entry.resume();
    },
  });
  try {
    await pipeline(fs.createReadStream(wagonPath), parser);
  } catch (error) {
    throw new Error(`${wagonPath} is not a wagon (a tar.gz): ${(error as Error).message}`);
  }
  if (text === undefined) throw new Error(`${wagonPath} is not a wagon: it has no <dir>/package.json`);
  let metadata: Partial<WagonMetadata>;
  try {
    metadata = JSON.parse(text) as Partial<WagonMetadata>;
  } catch (error) {
    throw new Error(`${wagonPath}: package.json is not JSON: ${(error as Error).message}`);
  }
  if (typeof metadata.package_name !== "string" || typeof metadata.package_version !== "string") {
    throw new Error(`${wagonPath}: package.json lacks package_name or package_version`);
  }
  return { package_name: metadata.package_name, package_version: metadata.package_version, supported_platform: metadata.supported_platform };
}
