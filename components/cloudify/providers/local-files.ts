import { containsUnknown } from "./unknown";

/** check() failure when `path` (an input) is not an existing regular file / directory; none while unknown. */
export async function pathFailures(path: unknown, property: string, kind: "file" | "directory", suffix?: string): Promise<{ property: string; reason: string }[]> {
  if (containsUnknown(path)) return [];
  if (typeof path !== "string" || path === "") return [{ property, reason: `must be a path to a ${kind}` }];
  if (suffix !== undefined && !path.endsWith(suffix)) return [{ property, reason: `must name a ${suffix} file; got ${path}` }];
  const fs: typeof import("node:fs") = require("node:fs");
  try {
    const stat = await fs.promises.stat(path);
    if (kind === "file" ? stat.isFile() : stat.isDirectory()) return [];
    return [{ property, reason: `${path} is not a ${kind}` }];
  } catch {
    return [{ property, reason: `${path} does not exist` }];
  }
}
