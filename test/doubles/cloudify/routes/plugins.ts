import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { archiveFormat, extractZipEntry, wagonPackageJson, zipEntryNames } from "../archive-reader";
import { fail, ManagerError, parseBoolean, timestamp } from "../http";
import { listReply } from "../listing";
import type { DoubleContext, Route } from "../router";
import { present, type PluginRecord } from "../state";
import { deleteReply, receiveArchive, visibilityOf } from "./common";

const FIELDS = [
  "id", "package_name", "package_version", "archive_name", "package_source", "supported_platform", "distribution", "distribution_version",
  "distribution_release", "wheels", "excluded_wheels", "supported_py_versions", "uploaded_at", "visibility", "tenant_name", "created_by",
  "title", "installation_state",
];

const invalid = (message: string) => new ManagerError(400, "invalid_plugin_error", message);

/** The platform of the double's manager: a CentOS 7 x86_64 host, as the 4.x/5.0 manager images are. */
const MANAGER_PLATFORM = { platform: "linux_x86_64", distribution: "centos", release: "core" };

/**
 * Whether a wagon installs on the manager itself (utils.py plugin_installable_on_current_platform @4.3 … 5.0.5): built
 * for any platform, or for the manager's platform, distribution and release.
 */
function installableOnManager(supportedPlatform: unknown, build: Record<string, string | undefined>): boolean {
  return (
    supportedPlatform === "any" ||
    (supportedPlatform === MANAGER_PLATFORM.platform && build.distribution?.toLowerCase() === MANAGER_PLATFORM.distribution && build.distribution_release?.toLowerCase() === MANAGER_PLATFORM.release)
  );
}

/** /plugins: a bare wagon or a zip of exactly one *.wgn and one *.yaml. */
export function pluginRoutes(d: DoubleContext): Route[] {
  const view = (plugin: PluginRecord): Record<string, unknown> => {
    const shown = present(plugin, ["wagonFile"]);
    if (!d.features.pluginTitle) {
      delete shown.title;
      return shown;
    }
    return { ...shown, installation_state: [{ manager: "manager-0", state: "installed" }] };
  };
  const find = (tenant: string, id: string): PluginRecord => {
    const plugin = d.state.plugins.get(tenant, id);
    if (!plugin) throw fail.notFound("Plugin", id);
    return plugin;
  };
  const inUse = (tenant: string, plugin: PluginRecord): boolean =>
    d.state.deployments.list(tenant).some((dep) => d.state.blueprints.get(tenant, dep.blueprint_id)?.plan?.plugin_packages.includes(plugin.package_name));

  return [
    {
      method: "POST",
      pattern: "/plugins",
      handler: async (ctx) => {
        const visibility = visibilityOf(ctx.query.get("visibility") ?? undefined);
        const upload = await receiveArchive(d, ctx, "plugin_archive_url");
        const id = randomUUID();
        let wagonFile = upload;
        let archiveName: string | undefined;
        let centralExecutor = true;
        const format = await archiveFormat(upload);
        if (format === "zip") {
          const names = await zipEntryNames(upload);
          const wagons = names.filter((n) => n.endsWith(".wgn"));
          const yamls = names.filter((n) => n.endsWith(".yaml"));
          if (wagons.length !== 1 || yamls.length !== 1) {
            throw invalid(`The plugin archive must hold exactly one .wgn and one .yaml file, found ${wagons.length} and ${yamls.length}`);
          }
          wagonFile = join(d.dir, `plugin-${id}.wgn`);
          await extractZipEntry(upload, wagons[0], wagonFile);
          archiveName = basename(wagons[0]);
          const yamlFile = join(d.dir, `plugin-${id}.yaml`);
          await extractZipEntry(upload, yamls[0], yamlFile);
          centralExecutor = /executor:\s*central_deployment_agent/.test(await readFile(yamlFile, "utf8"));
        } else if (format !== "tar.gz") {
          throw invalid("The plugin archive is neither a wagon nor a zip of a wagon and its plugin.yaml");
        }
        const metadata = await wagonPackageJson(wagonFile);
        if (!metadata || typeof metadata.package_name !== "string" || typeof metadata.package_version !== "string") {
          throw invalid("The wagon has no readable package.json with package_name and package_version");
        }
        const duplicate = d.state.plugins
          .list(ctx.tenant)
          .find((p) => p.package_name === metadata.package_name && p.package_version === metadata.package_version);
        if (duplicate) {
          throw new ManagerError(409, "conflict_error", `<Plugin id=\`${duplicate.id}\` tenant=\`${ctx.tenant}\`> already exists on <table plugins>: same package ${metadata.package_name} ${metadata.package_version}`);
        }
        const build = (metadata.build_server_os_properties ?? {}) as Record<string, string | undefined>;
        if (d.features.syncPluginInstall && centralExecutor && !installableOnManager(metadata.supported_platform, build)) {
          // resources_v2/plugins.py and resource_manager.py install_plugin @4.3 … 5.0.5: the row is removed again.
          throw new ManagerError(
            400,
            "plugin_installation_error",
            `Failed during plugin installation.(PluginDistributionNotSupported: Plugin \`${metadata.package_name}\` is not supported for the manager platform or distribution.)`,
          );
        }
        if (d.features.syncPluginInstall) {
          // Up to 5.0.5 the manager installs the plugin before answering.
          const install = d.engine.run({ workflowId: "install_plugin", deploymentId: null, blueprintId: null, parameters: { plugin_id: id }, isSystem: true, tenant: ctx.tenant, user: ctx.user });
          await d.engine.finished(install);
          if (install.status !== "terminated") throw new ManagerError(400, "plugin_installation_error", `Failed installing the plugin: ${install.error}`);
        }
        const plugin: PluginRecord = {
          id,
          package_name: metadata.package_name,
          package_version: metadata.package_version,
          archive_name: archiveName ?? `${metadata.package_name}-${metadata.package_version}.wgn`,
          package_source: (metadata.package_source as string | undefined) ?? null,
          supported_platform: (metadata.supported_platform as string | undefined) ?? null,
          distribution: build.distribution ?? null,
          distribution_version: build.distribution_version ?? null,
          distribution_release: build.distribution_release ?? null,
          wheels: (metadata.wheels as string[] | undefined) ?? [],
          excluded_wheels: (metadata.excluded_wheels as string[] | undefined) ?? [],
          supported_py_versions: (metadata.supported_python_versions as string[] | undefined) ?? [],
          uploaded_at: timestamp(),
          visibility,
          tenant_name: ctx.tenant,
          created_by: ctx.user,
          title: ctx.query.get("title") ?? metadata.package_name,
          wagonFile,
        };
        d.state.plugins.set(ctx.tenant, id, plugin);
        return { status: 201, json: view(plugin) };
      },
    },
    {
      method: "GET",
      pattern: "/plugins",
      handler: async (ctx) => {
        const all = parseBoolean(ctx.query.get("_all_tenants"), "_all_tenants", false);
        return listReply(d.state.plugins.list(ctx.tenant, all).map(view), ctx.query, FIELDS, { searchField: "package_name" });
      },
    },
    {
      method: "GET",
      pattern: "/plugins/:id",
      handler: async (ctx) => ({ status: 200, json: view(find(ctx.tenant, ctx.params.id)) }),
    },
    {
      method: "GET",
      pattern: "/plugins/:id/archive",
      handler: async (ctx) => {
        const plugin = find(ctx.tenant, ctx.params.id);
        return { status: 200, file: plugin.wagonFile, filename: `${plugin.id}.wgn` };
      },
    },
    {
      method: "DELETE",
      pattern: "/plugins/:id",
      handler: async (ctx) => {
        const body = await ctx.readJson();
        const plugin = find(ctx.tenant, ctx.params.id);
        const force = parseBoolean(body.force, "force", false);
        if (!force && inUse(ctx.tenant, plugin)) {
          throw new ManagerError(405, "plugin_in_use", `Plugin ${plugin.package_name} ${plugin.package_version} is used by deployments; use force to delete it`);
        }
        d.state.plugins.delete(ctx.tenant, plugin.id);
        return deleteReply(d, view(plugin));
      },
    },
  ];
}
