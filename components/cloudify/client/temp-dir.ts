/** Runs `work` with a private (0700) temporary directory that is removed afterwards, whatever happens. */
export async function withTempDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const fs: typeof import("node:fs") = require("node:fs");
  const os: typeof import("node:os") = require("node:os");
  const path: typeof import("node:path") = require("node:path");
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
  try {
    return await work(dir);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
