import { randomBytes } from "node:crypto";
import { fail, ManagerError, timestamp, validateId } from "../http";
import { listReply } from "../listing";
import type { DoubleContext, Route } from "../router";
import type { TenantRecord } from "../state";
import { deleteReply } from "./common";

const FIELDS = ["name", "groups", "users", "user_roles", "rabbitmq_username", "rabbitmq_password", "rabbitmq_vhost", "created_at"];
const RESERVED_NAMES = ["users", "user-groups"];

export function newTenant(name: string): TenantRecord {
  return {
    name,
    created_at: timestamp(),
    rabbitmq_username: `rabbitmq_user_${name}`,
    rabbitmq_password: randomBytes(8).toString("hex"),
    rabbitmq_vhost: `rabbitmq_vhost_${name}`,
  };
}

function view(tenant: TenantRecord): Record<string, unknown> {
  return { ...tenant, groups: {}, users: {}, user_roles: { direct: {}, groups: {} } };
}

/** /tenants (premium). */
export function tenantRoutes(d: DoubleContext): Route[] {
  const premiumOnly = (): void => {
    if (d.features.edition !== "premium") throw fail.premium();
  };
  return [
    {
      method: "POST",
      pattern: "/tenants/:name",
      handler: async (ctx) => {
        premiumOnly();
        const { name } = ctx.params;
        if (RESERVED_NAMES.includes(name)) throw fail.badParameters(`Tenant name \`${name}\` is reserved`);
        validateId(name, "tenant_name");
        if (d.state.tenants.has(name)) throw new ManagerError(409, "conflict_error", `<Tenant name=\`${name}\`> already exists on <table tenants>`);
        const tenant = newTenant(name);
        d.state.tenants.set(name, tenant);
        return { status: 201, json: view(tenant) };
      },
    },
    {
      method: "GET",
      pattern: "/tenants/:name",
      handler: async (ctx) => {
        premiumOnly();
        const tenant = d.state.tenants.get(ctx.params.name);
        if (!tenant) {
          throw new ManagerError(403, "forbidden_error", `Authorization failed: Tried to authenticate with invalid tenant name: ${ctx.params.name}`);
        }
        return { status: 200, json: view(tenant) };
      },
    },
    {
      method: "GET",
      pattern: "/tenants",
      handler: async (ctx) => {
        premiumOnly();
        return listReply([...d.state.tenants.values()].map(view), ctx.query, FIELDS, { searchField: "name" });
      },
    },
    {
      method: "DELETE",
      pattern: "/tenants/:name",
      handler: async (ctx) => {
        premiumOnly();
        const tenant = d.state.tenants.get(ctx.params.name);
        if (!tenant) throw fail.notFound("Tenant", ctx.params.name);
        if (ctx.params.name === "default_tenant") throw new ManagerError(400, "bad_parameters_error", "The default tenant cannot be deleted");
        const owned = [d.state.secrets, d.state.plugins, d.state.blueprints, d.state.deployments].some((table) =>
          table.all().some((record) => (record as { tenant_name: string }).tenant_name === ctx.params.name),
        );
        if (owned) throw new ManagerError(400, "dependent_exists_error", `Tenant \`${ctx.params.name}\` still owns resources; delete them first`);
        d.state.tenants.delete(ctx.params.name);
        d.state.executions.dropTenant(ctx.params.name);
        return deleteReply(d, view(tenant));
      },
    },
  ];
}
