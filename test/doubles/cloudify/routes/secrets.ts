import { fail, ManagerError, parseBoolean, requireField, timestamp, validateId } from "../http";
import { listReply } from "../listing";
import type { DoubleContext, Route } from "../router";
import type { SecretRecord, Visibility } from "../state";
import { deleteReply, visibilityOf } from "./common";

const FIELDS = ["key", "value", "created_at", "updated_at", "visibility", "is_hidden_value", "tenant_name", "created_by", "resource_availability", "private_resource"];

function view(secret: SecretRecord): Record<string, unknown> {
  return { ...secret, resource_availability: secret.visibility, private_resource: secret.visibility === "private" };
}

const ORDER: readonly Visibility[] = ["private", "tenant", "global"];

/** A visibility may only widen (resource_manager.py _validate_visibility_value @4.3 … 7.0.0): narrowing is 400. */
function widened(secret: SecretRecord, wanted: Visibility): Visibility {
  if (ORDER.indexOf(wanted) < ORDER.indexOf(secret.visibility)) {
    throw new ManagerError(400, "illegal_action_error", `Can't set the visibility of \`${secret.key}\` to ${wanted} because it already has wider visibility`);
  }
  return wanted;
}

/** /secrets. */
export function secretRoutes(d: DoubleContext): Route[] {
  const find = (tenant: string, key: string): SecretRecord => {
    const secret = d.state.secrets.get(tenant, key);
    if (!secret) throw fail.notFound("Secret", key);
    return secret;
  };
  return [
    {
      method: "PUT",
      pattern: "/secrets/:key",
      handler: async (ctx) => {
        const body = await ctx.readJson();
        const { key } = ctx.params;
        validateId(key, "key");
        const value = requireField(body, "value");
        if (typeof value !== "string") throw fail.badParameters("value must be a string");
        const updateIfExists = parseBoolean(body.update_if_exists, "update_if_exists", false);
        const visibility = visibilityOf(body.visibility);
        const hidden = d.features.hiddenSecretValues && parseBoolean(body.is_hidden_value, "is_hidden_value", false);
        const existing = d.state.secrets.get(ctx.tenant, key);
        if (existing && !updateIfExists) throw fail.conflict("Secret", key, ctx.tenant);
        const now = timestamp();
        const secret: SecretRecord = existing
          ? Object.assign(existing, { value, visibility, is_hidden_value: hidden, updated_at: now })
          : { key, value, visibility, is_hidden_value: hidden, tenant_name: ctx.tenant, created_by: ctx.user, created_at: now, updated_at: now };
        d.state.secrets.set(secret.tenant_name, key, secret);
        return { status: 200, json: view(secret) };
      },
    },
    {
      method: "GET",
      pattern: "/secrets/:key",
      handler: async (ctx) => ({ status: 200, json: view(find(ctx.tenant, ctx.params.key)) }),
    },
    {
      method: "GET",
      pattern: "/secrets",
      handler: async (ctx) => {
        const all = parseBoolean(ctx.query.get("_all_tenants"), "_all_tenants", false);
        // Lists do not reveal values.
        const items = d.state.secrets.list(ctx.tenant, all).map((s) => ({ ...view(s), value: null }));
        return listReply(items, ctx.query, FIELDS, { searchField: "key" });
      },
    },
    {
      method: "PATCH",
      pattern: "/secrets/:key",
      handler: async (ctx) => {
        const body = await ctx.readJson();
        const secret = find(ctx.tenant, ctx.params.key);
        if (d.features.secretPatchValueOnly) {
          // resources_v3/secrets.py @4.3: `value` is required; any other field is ignored.
          const value = requireField(body, "value");
          if (typeof value !== "string") throw fail.badParameters("value must be a string");
          secret.value = value;
          secret.updated_at = timestamp();
          return { status: 200, json: view(secret) };
        }
        if (body.value === undefined && body.visibility === undefined && body.is_hidden_value === undefined) {
          throw new ManagerError(400, "illegal_action_error", "Must supply either a value, a visibility or is_hidden_value to update the secret");
        }
        if (body.value !== undefined) {
          if (typeof body.value !== "string") throw fail.badParameters("value must be a string");
          secret.value = body.value;
        }
        if (body.visibility !== undefined) secret.visibility = widened(secret, visibilityOf(body.visibility));
        if (body.is_hidden_value !== undefined) secret.is_hidden_value = parseBoolean(body.is_hidden_value, "is_hidden_value", false);
        secret.updated_at = timestamp();
        return { status: 200, json: view(secret) };
      },
    },
    {
      method: "PATCH",
      pattern: "/secrets/:key/set-visibility",
      handler: async (ctx) => {
        const body = await ctx.readJson();
        const secret = find(ctx.tenant, ctx.params.key);
        secret.visibility = widened(secret, visibilityOf(requireField(body, "visibility")));
        secret.updated_at = timestamp();
        return { status: 200, json: view(secret) };
      },
    },
    {
      method: "DELETE",
      pattern: "/secrets/:key",
      handler: async (ctx) => {
        const secret = find(ctx.tenant, ctx.params.key);
        d.state.secrets.delete(ctx.tenant, ctx.params.key);
        return deleteReply(d, view(secret));
      },
    },
  ];
}
