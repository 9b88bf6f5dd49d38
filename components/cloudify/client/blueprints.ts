import { writeBlueprintTarGz } from "./archives";
import { pollUntil } from "./backoff";
import { tarGzTreeDigest } from "./content-hash";
import { CloudifyError, isNotFound } from "./errors";
import type { ManagerApi } from "./manager";
import { objectPath } from "./paths";
import type { CloudifyRest } from "./rest";
import { withTempDir } from "./temp-dir";
import { BLUEPRINT_FAILED_STATES, BLUEPRINT_UPLOADED, EXECUTION_END_STATES, type Blueprint, type Visibility } from "./types";

export interface UploadBlueprint {
  /** Folder holding the main yaml and everything it imports; becomes the archive's single top-level directory. */
  readonly folder: string;
  readonly mainFileName: string;
  readonly visibility: Visibility;
  /** How long to wait for a 5.2+ asynchronous upload to be parsed. */
  readonly timeoutMs: number;
}

/**
 * A 5.2+ upload that will not finish: the blueprint reached a failed state (`failed_parsing`, `invalid`, …), or (6.2+) its
 * `upload_blueprint` execution ended failed or cancelled without the workflow recording why in the blueprint.
 */
export class BlueprintUploadError extends CloudifyError {
  constructor(readonly blueprint: Blueprint) {
    super(`Cloudify blueprint ${blueprint.id} upload ${BlueprintUploadError.why(blueprint)}`, "BlueprintUploadError");
  }

  private static why(blueprint: Blueprint): string {
    const execution = blueprint.upload_execution;
    const ran = execution ? `its upload_blueprint execution ${execution.id} ended ${execution.status}${execution.error ? `: ${execution.error}` : ""}` : undefined;
    if (blueprint.state !== undefined && BLUEPRINT_FAILED_STATES.includes(blueprint.state)) {
      return `ended ${blueprint.state}${blueprint.error ? `: ${blueprint.error}` : ran ? ` (${ran})` : ""}`;
    }
    return `failed: ${ran ?? "its upload_blueprint execution ended"}; the blueprint was left ${blueprint.state}`;
  }
}

/** The upload's execution ended without success: the blueprint's state will not move any more. */
function uploadExecutionFailed(blueprint: Blueprint): boolean {
  const status = blueprint.upload_execution?.status;
  return status !== undefined && status !== "terminated" && EXECUTION_END_STATES.includes(status);
}

/** A relative path quoted for the manager's extra unquote: every byte but letters, digits, "_.-~" and "/" escaped. */
function quotedFileName(name: string): string {
  return encodeURIComponent(name)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, "/");
}

/** `/blueprints`. */
export class BlueprintsApi {
  constructor(
    private readonly rest: CloudifyRest,
    private readonly manager: ManagerApi,
    private readonly pollIntervalMs: number,
  ) {}

  /**
   * Uploads a folder as a tar.gz (built in a private temp dir, streamed from disk) and, on 5.2+, waits for the
   * asynchronous parse. A repeat answers 409 `conflict_error`.
   */
  async upload(id: string, request: UploadBlueprint): Promise<Blueprint> {
    const { asyncBlueprintUpload } = await this.manager.profile();
    const created = await withTempDir("cmom-blueprint", async (dir) => {
      const archive = `${dir}/${id}.tar.gz`;
      await writeBlueprintTarGz(request.folder, archive);
      return this.rest.call<Blueprint>({
        method: "PUT",
        path: objectPath("blueprints", id),
        // The manager unquotes application_file_name once more after the query is decoded (upload_manager.py @4.3 … 6.4,
        // resources_v3_1/blueprints.py @7.0.0): it is sent quoted, as the official client does, so a name with "%" survives.
        query: { visibility: request.visibility, application_file_name: quotedFileName(request.mainFileName), async_upload: asyncBlueprintUpload ? true : undefined },
        uploadFile: archive,
        expect: [201],
      });
    });
    return this.waitUploaded(created, request.timeoutMs);
  }

  /**
   * Returns the blueprint once uploaded (at once before 5.2). Throws BlueprintUploadError on a failed state, and (6.2+) as
   * soon as its upload execution ended failed or cancelled: a crashed or cancelled workflow leaves the state where it was.
   */
  async waitUploaded(blueprint: Blueprint, timeoutMs: number): Promise<Blueprint> {
    let current = blueprint;
    const settled = (b: Blueprint): Blueprint | undefined => {
      if (b.state === undefined || b.state === BLUEPRINT_UPLOADED) return b;
      if (BLUEPRINT_FAILED_STATES.includes(b.state) || uploadExecutionFailed(b)) throw new BlueprintUploadError(b);
      return undefined;
    };
    return (
      settled(current) ??
      pollUntil(
        async () => {
          const fresh = await this.get(blueprint.id);
          if (fresh === undefined) throw new Error(`Cloudify blueprint ${blueprint.id} disappeared during its upload`);
          current = fresh;
          return settled(fresh);
        },
        { intervalMs: this.pollIntervalMs, timeoutMs, describe: () => `blueprint ${blueprint.id} upload (still ${current.state})` },
      )
    );
  }

  async get(id: string): Promise<Blueprint | undefined> {
    try {
      return await this.rest.call<Blueprint>({ method: "GET", path: objectPath("blueprints", id), expect: [200] });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Ids of up to `limit` blueprints of every tenant the user sees. */
  async someIds(limit: number): Promise<string[]> {
    const page = await this.rest.call<{ items: { id: string }[] }>({
      method: "GET",
      path: "/blueprints",
      query: { _all_tenants: true, _include: "id", _size: limit },
      expect: [200],
    });
    return page.items.map((b) => b.id);
  }

  /** Tree digest of the stored archive (see content-hash.ts), streamed: compares an existing blueprint with a local folder. */
  archiveDigest(id: string): Promise<string> {
    return this.rest.download({ method: "GET", path: objectPath("blueprints", id, "archive"), expect: [200] }, (body) => tarGzTreeDigest(body));
  }

  /** Deletes a blueprint; false when it did not exist. Deployments of it → 400 `dependent_exists_error`. */
  async delete(id: string, force = false): Promise<boolean> {
    try {
      await this.rest.call({ method: "DELETE", path: objectPath("blueprints", id), query: { force }, expect: [200, 204] });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
