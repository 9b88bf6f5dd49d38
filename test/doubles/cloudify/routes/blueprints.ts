import { rm } from "node:fs/promises";
import { join } from "node:path";
import { archiveFormat, extractArchive } from "../archive-reader";
import { parseBlueprint } from "../blueprint-parser";
import { fail, ManagerError, parseBoolean, timestamp, validateId } from "../http";
import { listReply } from "../listing";
import type { DoubleContext, Route } from "../router";
import { present, type BlueprintPlan, type BlueprintRecord } from "../state";
import { deleteReply, receiveArchive, visibilityOf } from "./common";

/** cloudify-common models_states.py BlueprintUploadState.FAILED_STATES @5.2.0 … 7.0.4. */
const BLUEPRINT_FAILED_STATES = ["failed_uploading", "failed_extracting", "failed_parsing", "failed_extracting_to_file_server", "invalid"];

const FIELDS = ["id", "created_at", "updated_at", "main_file_name", "plan", "description", "visibility", "tenant_name", "created_by", "state", "error", "upload_execution"];

let extractCounter = 0;

/** Python's urllib.parse.unquote: each run of valid %XX escapes decoded as UTF-8, anything else left as it is. */
function unquote(value: string): string {
  return value.replace(/(%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ""), "hex").toString("utf8"));
}

/** /blueprints: synchronous parse up to 5.1; 5.2+ an `upload_blueprint` execution, optionally answered before it ends. */
export function blueprintRoutes(d: DoubleContext): Route[] {
  const view = (blueprint: BlueprintRecord): Record<string, unknown> => {
    const shown = present(blueprint, ["archiveFile", "uploadExecutionId"]);
    if (!d.features.asyncBlueprintUpload) {
      delete shown.state;
      delete shown.error;
    }
    if (d.features.blueprintUploadExecution) {
      const execution = blueprint.uploadExecutionId === undefined ? undefined : d.state.executions.get(blueprint.tenant_name, blueprint.uploadExecutionId);
      shown.upload_execution = execution ?? null;
    }
    return shown;
  };
  const find = (tenant: string, id: string): BlueprintRecord => {
    const blueprint = d.state.blueprints.get(tenant, id);
    if (!blueprint) throw fail.notFound("Blueprint", id);
    return blueprint;
  };
  const parseArchive = async (archive: string, mainFileName: string): Promise<BlueprintPlan> => {
    const dir = join(d.dir, `extract-${++extractCounter}`);
    try {
      try {
        await extractArchive(archive, dir);
      } catch (error) {
        throw fail.badParameters(`Failed extracting the blueprint archive: ${(error as Error).message}`);
      }
      return await parseBlueprint(dir, mainFileName);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  return [
    {
      method: "PUT",
      pattern: "/blueprints/:id",
      handler: async (ctx) => {
        const { id } = ctx.params;
        validateId(id, "blueprint_id");
        const visibility = visibilityOf(ctx.query.get("visibility") ?? undefined);
        // upload_manager.py @4.3 … 6.4 and resources_v3_1/blueprints.py @7.0.0 unquote the already decoded value once more.
        const mainFileName = unquote(ctx.query.get("application_file_name") ?? "blueprint.yaml");
        const asyncUpload = d.features.asyncBlueprintUpload && parseBoolean(ctx.query.get("async_upload") ?? undefined, "async_upload", false);
        // resources_v3_1/blueprints.py put @5.2.0 … 7.0.0: a row whose upload failed is replaced by a new upload of the same id.
        const existing = d.state.blueprints.get(ctx.tenant, id);
        if (existing && !(d.features.asyncBlueprintUpload && BLUEPRINT_FAILED_STATES.includes(existing.state ?? ""))) throw fail.conflict("Blueprint", id, ctx.tenant);
        const archiveFile = await receiveArchive(d, ctx, "blueprint_archive_url");
        const now = timestamp();
        const blueprint: BlueprintRecord = {
          id,
          main_file_name: mainFileName,
          description: null,
          plan: null,
          visibility,
          tenant_name: ctx.tenant,
          created_by: ctx.user,
          created_at: now,
          updated_at: now,
          archiveFile,
        };
        if (!d.features.asyncBlueprintUpload) {
          const plan = await parseArchive(archiveFile, mainFileName);
          Object.assign(blueprint, { plan, description: plan.description });
          d.state.blueprints.set(ctx.tenant, id, blueprint);
          return { status: 201, json: view(blueprint) };
        }
        // upload_manager.py _prepare_and_process_doc @5.2.7, 6.4.2 and resources_v3_1/blueprints.py put @7.0.4: an archive sent
        // in the request leaves the row `uploading` until the workflow moves it on.
        Object.assign(blueprint, { state: "uploading", error: null });
        d.state.blueprints.set(ctx.tenant, id, blueprint);
        // The workflow (cloudify_system_workflows/blueprint.py upload @6.4.0, 7.0.4) records the failures it catches in
        // the blueprint; nothing records one it does not reach (a crash, a cancel): the state then stays where it was.
        const upload = d.engine.run(
          { workflowId: "upload_blueprint", deploymentId: null, blueprintId: id, parameters: { blueprint_id: id, app_file_name: mainFileName }, isSystem: true, tenant: ctx.tenant, user: ctx.user },
          {
            onSuccess: async () => {
              blueprint.state = "parsing";
              try {
                const plan = await parseArchive(archiveFile, mainFileName);
                Object.assign(blueprint, { plan, description: plan.description, state: "uploaded", updated_at: timestamp() });
              } catch (error) {
                const extracting = error instanceof ManagerError && error.errorCode === "bad_parameters_error";
                Object.assign(blueprint, { state: extracting ? "failed_extracting" : "failed_parsing", error: (error as Error).message });
                throw error;
              }
            },
          },
        );
        blueprint.uploadExecutionId = upload.id;
        if (asyncUpload) return { status: 201, json: view(blueprint) };
        await d.engine.finished(upload);
        // rest_utils.get_uploaded_blueprint @5.2.0 … 7.0.0: a blocking upload that failed answers its state and error; one
        // whose execution ended without moving the state is answered as it stands.
        if (BLUEPRINT_FAILED_STATES.includes(blueprint.state ?? "")) {
          const how = blueprint.state === "invalid" ? "is invalid" : `has ${(blueprint.state ?? "").replace(/_/g, " ")}`;
          throw new ManagerError(400, "invalid_blueprint_error", `Blueprint \`${id}\` ${how}. Error: ${blueprint.error ?? ""}`);
        }
        return { status: 201, json: view(blueprint) };
      },
    },
    {
      method: "GET",
      pattern: "/blueprints/:id",
      handler: async (ctx) => ({ status: 200, json: view(find(ctx.tenant, ctx.params.id)) }),
    },
    {
      method: "GET",
      pattern: "/blueprints",
      handler: async (ctx) => {
        const all = parseBoolean(ctx.query.get("_all_tenants"), "_all_tenants", false);
        return listReply(d.state.blueprints.list(ctx.tenant, all).map(view), ctx.query, FIELDS, { searchField: "id" });
      },
    },
    {
      method: "GET",
      pattern: "/blueprints/:id/archive",
      handler: async (ctx) => {
        const blueprint = find(ctx.tenant, ctx.params.id);
        const extension = (await archiveFormat(blueprint.archiveFile)) === "zip" ? "zip" : "tar.gz";
        return { status: 200, file: blueprint.archiveFile, filename: `${blueprint.id}.${extension}` };
      },
    },
    {
      method: "DELETE",
      pattern: "/blueprints/:id",
      handler: async (ctx) => {
        const blueprint = find(ctx.tenant, ctx.params.id);
        const force = parseBoolean(ctx.query.get("force") ?? undefined, "force", false);
        // resource_manager.py delete_blueprint @5.2.7 … 7.0.4: a failed upload goes at once; one still under way is refused
        // (from 6.1 unless forced).
        const underWay = blueprint.state !== undefined && blueprint.state !== "uploaded" && !BLUEPRINT_FAILED_STATES.includes(blueprint.state);
        if (underWay && !(force && d.features.forceDeletesUploadingBlueprint)) {
          throw new ManagerError(400, "invalid_blueprint_error", `Blueprint \`${blueprint.id}\` is still ${blueprint.state}.`);
        }
        const dependents = d.state.deployments.list(ctx.tenant).filter((dep) => dep.blueprint_id === blueprint.id);
        if (dependents.length > 0) {
          throw new ManagerError(400, "dependent_exists_error", `Can't delete blueprint ${blueprint.id} - There exist deployments for this blueprint; Deployments ids: ${dependents.map((x) => x.id).join(",")}`);
        }
        d.state.blueprints.delete(ctx.tenant, blueprint.id);
        return deleteReply(d, view(blueprint));
      },
    },
  ];
}
