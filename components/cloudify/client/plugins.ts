import type { Readable } from "node:stream";
import { writePluginZip } from "./archives";
import { sha256OfStream } from "./content-hash";
import { isNotFound } from "./errors";
import { listAll } from "./list";
import type { ManagerApi } from "./manager";
import { objectPath } from "./paths";
import type { CloudifyRest } from "./rest";
import { withTempDir } from "./temp-dir";
import type { Plugin, Visibility } from "./types";
import { requireCapability } from "./versions";
import { readWagonMetadata, type WagonMetadata } from "./wagon";

export interface UploadPlugin {
  readonly wagonPath: string;
  readonly yamlPath: string;
  readonly visibility: Visibility;
  /** 5.1+ only. */
  readonly title?: string;
}

/** Up to 5.0.5 the manager installs the plugin before answering, for up to 300 s. */
const SYNCHRONOUS_INSTALL_TIMEOUT_MS = 330_000;

/** `/plugins`. Ids are server-generated uuids, so plugins are found by their wagon's package name and version. */
export class PluginsApi {
  constructor(
    private readonly rest: CloudifyRest,
    private readonly manager: ManagerApi,
  ) {}

  /**
   * Uploads a zip of the wagon and plugin.yaml (built in a private temp dir, streamed from disk). POST is not
   * idempotent: after a dropped connection or 5xx, a plugin of this package and version that did not exist before
   * is adopted instead of uploading a second copy. Same package and version already there → 409 `conflict_error`.
   * A title on a manager that does not read it is refused before anything is sent.
   */
  async upload(request: UploadPlugin): Promise<Plugin> {
    if (request.title !== undefined) requireCapability(await this.manager.profile(), "pluginTitle", "plugin titles (title)");
    const metadata = await readWagonMetadata(request.wagonPath);
    const before = new Set((await this.findByPackage(metadata)).map((p) => p.id));
    return withTempDir("cmom-plugin", async (dir) => {
      const zip = `${dir}/plugin.zip`;
      await writePluginZip(request.wagonPath, request.yamlPath, zip);
      return this.rest.call<Plugin>({
        method: "POST",
        path: "/plugins",
        query: { visibility: request.visibility, title: request.title },
        uploadFile: zip,
        expect: [201],
        readTimeoutMs: SYNCHRONOUS_INSTALL_TIMEOUT_MS,
        reconcile: async () => (await this.findByPackage(metadata)).find((p) => !before.has(p.id)),
      });
    });
  }

  findByPackage(metadata: Pick<WagonMetadata, "package_name" | "package_version">): Promise<Plugin[]> {
    return listAll<Plugin>(this.rest, "/plugins", { package_name: metadata.package_name, package_version: metadata.package_version });
  }

  async get(id: string): Promise<Plugin | undefined> {
    try {
      return await this.rest.call<Plugin>({ method: "GET", path: objectPath("plugins", id), expect: [200] });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** sha256 of the stored wagon (`GET /plugins/{id}/archive`), streamed. */
  wagonSha256(id: string): Promise<string> {
    return this.rest.download({ method: "GET", path: objectPath("plugins", id, "archive"), expect: [200] }, (body: Readable) => sha256OfStream(body));
  }

  /** Deletes a plugin (JSON body `{force}`); false when it did not exist. In use → 405 `plugin_in_use`. */
  async delete(id: string, force = false): Promise<boolean> {
    try {
      await this.rest.call({ method: "DELETE", path: objectPath("plugins", id), json: { force }, expect: [200, 204] });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
