import type * as pulumi from "@pulumi/pulumi";
import { CloudifyClient } from "../client";
import { BlueprintUploadError } from "../client/blueprints";
import type { ClientTuning, CloudifyConnection } from "../client/connection";
import { folderTreeDigest } from "../client/content-hash";
import type { Blueprint, Visibility } from "../client/types";
import { nonEmptyStringFailures, oneOfFailures, positiveNumberFailures, resourceIdFailures, VISIBILITIES } from "./check-rules";
import { connectionFailures, plainConnection, recordOnlyUpdate } from "./connection-props";
import { diffInputs, type DiffRules } from "./diff-inputs";
import { createOrAdopt, ExistsDifferentError } from "./existing-object";
import { pathFailures } from "./local-files";
import { containsUnknown } from "./unknown";

interface BlueprintInputs {
  readonly connection: CloudifyConnection;
  readonly blueprintId: string;
  /** Local folder holding the main yaml and everything it imports. */
  readonly folder: string;
  readonly mainFileName: string;
  readonly visibility: Visibility;
  /** Seconds to wait for a 5.2+ asynchronous upload to be parsed. */
  readonly uploadTimeout: number;
  /** Set by check: digest of the folder's files (paths and bytes). A change replaces the blueprint. */
  readonly contentHash?: string;
}

interface BlueprintOuts extends BlueprintInputs {
  readonly createdAt: string;
  readonly description: string | null;
}

const RULES: DiffRules = {
  inputs: ["blueprintId", "folder", "mainFileName", "visibility", "uploadTimeout", "contentHash"],
  replaceOn: ["blueprintId", "mainFileName", "visibility", "contentHash"],
  tenantScoped: true,
  deleteBeforeReplace: true,
};

function outs(inputs: BlueprintInputs, blueprint: Blueprint): BlueprintOuts {
  return {
    connection: plainConnection(inputs.connection),
    blueprintId: inputs.blueprintId,
    folder: inputs.folder,
    mainFileName: inputs.mainFileName,
    visibility: inputs.visibility,
    uploadTimeout: inputs.uploadTimeout,
    contentHash: inputs.contentHash,
    createdAt: blueprint.created_at,
    description: blueprint.description,
  };
}

/** Dynamic provider of `pulumi-nodejs:dynamic/cloudify:Blueprint`. */
export function createBlueprintProvider(tuning: Partial<ClientTuning> = {}): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: BlueprintInputs, news: BlueprintInputs) {
      const inputs: BlueprintInputs = { ...news, mainFileName: news.mainFileName ?? "blueprint.yaml", visibility: news.visibility ?? "tenant", uploadTimeout: news.uploadTimeout ?? 600 };
      const failures = [
        ...connectionFailures(inputs.connection),
        ...resourceIdFailures(inputs.blueprintId, "blueprintId"),
        ...nonEmptyStringFailures(inputs.mainFileName, "mainFileName"),
        ...oneOfFailures(inputs.visibility, VISIBILITIES, "visibility"),
        ...positiveNumberFailures(inputs.uploadTimeout, "uploadTimeout"),
        ...(await pathFailures(inputs.folder, "folder", "directory")),
      ];
      if (failures.length > 0 || containsUnknown(inputs.folder) || containsUnknown(inputs.mainFileName)) return { inputs, failures };
      const path: typeof import("node:path") = require("node:path");
      const mainFailures = await pathFailures(path.join(inputs.folder, inputs.mainFileName), "mainFileName", "file");
      if (mainFailures.length > 0) return { inputs, failures: mainFailures };
      return { inputs: { ...inputs, contentHash: await folderTreeDigest(inputs.folder) }, failures };
    },
    async diff(_id: string, olds: BlueprintOuts, news: BlueprintInputs) {
      return diffInputs(olds, news, RULES);
    },
    async create(inputs: BlueprintInputs) {
      const client = new CloudifyClient(inputs.connection, tuning);
      const timeoutMs = inputs.uploadTimeout * 1000;
      const blueprint = await createOrAdopt(
        async () => {
          try {
            return await client.blueprints.upload(inputs.blueprintId, { ...inputs, timeoutMs });
          } catch (error) {
            // A 5.2+ upload that failed leaves a row behind; remove it so a corrected folder can be uploaded. Forced: a row
            // whose upload execution crashed stays `uploading`, which the manager deletes only when forced (6.1+).
            if (error instanceof BlueprintUploadError) await client.blueprints.delete(inputs.blueprintId, true);
            throw error;
          }
        },
        async () => {
          const existing = await client.blueprints.get(inputs.blueprintId);
          if (!existing) throw new Error(`Cloudify blueprint \`${inputs.blueprintId}\` was reported to exist but cannot be read`);
          const settled = await client.blueprints.waitUploaded(existing, timeoutMs);
          const found: string[] = [];
          if (settled.main_file_name !== inputs.mainFileName) found.push(`main file ${settled.main_file_name} instead of ${inputs.mainFileName}`);
          if (settled.visibility !== inputs.visibility) found.push(`visibility ${settled.visibility} instead of ${inputs.visibility}`);
          if ((await client.blueprints.archiveDigest(inputs.blueprintId)) !== inputs.contentHash) found.push(`its files differ from ${inputs.folder}`);
          if (found.length > 0) throw new ExistsDifferentError("blueprint", inputs.blueprintId, inputs.connection.tenant, found);
          return settled;
        },
      );
      return { id: inputs.blueprintId, outs: outs(inputs, blueprint) };
    },
    async read(id: string, state: BlueprintOuts) {
      const blueprint = await new CloudifyClient(state.connection, tuning).blueprints.get(id);
      return blueprint ? { id, props: outs({ ...state, visibility: blueprint.visibility, mainFileName: blueprint.main_file_name }, blueprint) } : {};
    },
    async update(_id: string, olds: BlueprintOuts, news: BlueprintInputs) {
      // Only the local path, the timeout or connection details changed: nothing to do on the manager.
      return recordOnlyUpdate(olds, news);
    },
    async delete(id: string, state: BlueprintOuts) {
      await new CloudifyClient(state.connection, tuning).blueprints.delete(id);
    },
  };
}
