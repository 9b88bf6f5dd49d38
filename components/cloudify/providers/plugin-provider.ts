import type * as pulumi from "@pulumi/pulumi";
import { CloudifyClient } from "../client";
import type { ClientTuning, CloudifyConnection } from "../client/connection";
import { pluginContentHash, sha256OfFile } from "../client/content-hash";
import type { Plugin, Visibility } from "../client/types";
import { readWagonMetadata } from "../client/wagon";
import { oneOfFailures, VISIBILITIES } from "./check-rules";
import { connectionFailures, plainConnection, recordOnlyUpdate } from "./connection-props";
import { diffInputs, type DiffRules } from "./diff-inputs";
import { createOrAdopt, ExistsDifferentError } from "./existing-object";
import { pathFailures } from "./local-files";
import { containsUnknown } from "./unknown";

interface PluginInputs {
  readonly connection: CloudifyConnection;
  /** Local `.wgn`. */
  readonly wagonPath: string;
  /** Local `plugin.yaml` (any `*.yaml` name). */
  readonly yamlPath: string;
  readonly visibility: Visibility;
  /** 5.1+ managers only. */
  readonly title?: string;
  /** Set by check from the files: sha256 over the wagon and the yaml. A change replaces the plugin. */
  readonly contentHash?: string;
  /** Set by check from the wagon's package.json. */
  readonly packageName?: string;
  readonly packageVersion?: string;
}

interface PluginOuts extends PluginInputs {
  readonly pluginId: string;
  readonly archiveName: string;
  readonly uploadedAt: string;
}

const RULES: DiffRules = {
  inputs: ["wagonPath", "yamlPath", "visibility", "title", "contentHash", "packageName", "packageVersion"],
  replaceOn: ["visibility", "title", "contentHash", "packageName", "packageVersion"],
  tenantScoped: true,
  // Same package and version would conflict with the old plugin: remove it first.
  deleteBeforeReplace: true,
};

function outs(inputs: PluginInputs, plugin: Plugin): PluginOuts {
  return {
    connection: plainConnection(inputs.connection),
    wagonPath: inputs.wagonPath,
    yamlPath: inputs.yamlPath,
    visibility: inputs.visibility,
    ...(inputs.title !== undefined ? { title: inputs.title } : {}),
    contentHash: inputs.contentHash,
    packageName: inputs.packageName,
    packageVersion: inputs.packageVersion,
    pluginId: plugin.id,
    archiveName: plugin.archive_name,
    uploadedAt: plugin.uploaded_at,
  };
}

/** Dynamic provider of `pulumi-nodejs:dynamic/cloudify:Plugin`; ids are the manager's uuids. */
export function createPluginProvider(tuning: Partial<ClientTuning> = {}): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: PluginInputs, news: PluginInputs) {
      const inputs: PluginInputs = { ...news, visibility: news.visibility ?? "tenant" };
      const failures = [
        ...connectionFailures(inputs.connection),
        ...(await pathFailures(inputs.wagonPath, "wagonPath", "file", ".wgn")),
        ...(await pathFailures(inputs.yamlPath, "yamlPath", "file", ".yaml")),
        ...oneOfFailures(inputs.visibility, VISIBILITIES, "visibility"),
      ];
      if (failures.length > 0 || containsUnknown(inputs.wagonPath) || containsUnknown(inputs.yamlPath)) return { inputs, failures };
      try {
        const metadata = await readWagonMetadata(inputs.wagonPath);
        const contentHash = await pluginContentHash(inputs.wagonPath, inputs.yamlPath);
        return { inputs: { ...inputs, contentHash, packageName: metadata.package_name, packageVersion: metadata.package_version }, failures };
      } catch (error) {
        return { inputs, failures: [{ property: "wagonPath", reason: (error as Error).message }] };
      }
    },
    async diff(_id: string, olds: PluginOuts, news: PluginInputs) {
      return diffInputs(olds, news, RULES);
    },
    async create(inputs: PluginInputs) {
      const client = new CloudifyClient(inputs.connection, tuning);
      const plugin = await createOrAdopt(
        () => client.plugins.upload(inputs),
        async () => {
          const [existing] = await client.plugins.findByPackage({ package_name: inputs.packageName ?? "", package_version: inputs.packageVersion ?? "" });
          if (!existing) throw new Error(`Cloudify plugin ${inputs.packageName} ${inputs.packageVersion} was reported to exist but cannot be found`);
          const found: string[] = [];
          if ((await client.plugins.wagonSha256(existing.id)) !== (await sha256OfFile(inputs.wagonPath))) found.push("its wagon differs from wagonPath");
          if (existing.visibility !== inputs.visibility) found.push(`visibility ${existing.visibility} instead of ${inputs.visibility}`);
          if (found.length > 0) throw new ExistsDifferentError("plugin", `${inputs.packageName} ${inputs.packageVersion}`, inputs.connection.tenant, found);
          return existing;
        },
      );
      return { id: plugin.id, outs: outs(inputs, plugin) };
    },
    async read(id: string, state: PluginOuts) {
      const plugin = await new CloudifyClient(state.connection, tuning).plugins.get(id);
      return plugin ? { id, props: outs({ ...state, visibility: plugin.visibility }, plugin) } : {};
    },
    async update(_id: string, olds: PluginOuts, news: PluginInputs) {
      // Only local paths or connection details changed: nothing to do on the manager.
      return recordOnlyUpdate(olds, news);
    },
    async delete(id: string, state: PluginOuts) {
      await new CloudifyClient(state.connection, tuning).plugins.delete(id);
    },
  };
}
