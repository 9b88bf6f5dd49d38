import { randomBytes } from "node:crypto";
import { fail, ManagerError, type RequestContext } from "../http";
import { listReply } from "../listing";
import type { DoubleContext, Route } from "../router";
import { present } from "../state";

const SERVICES = ["Cloudify Console", "AMQP-Postgres", "Manager Rest-Service", "RabbitMQ", "PostgreSQL", "Webserver", "Management Worker"];
const MANAGER_FIELDS = ["id", "hostname", "private_ip", "public_ip", "version", "edition", "distribution", "distro_release", "fs_sync_node_id", "networks", "ca_cert_content"];

/** /version, /status, /tokens, /snapshot-status, 4.x /cluster and 5.x /cluster-status + /managers. */
export function managerRoutes(d: DoubleContext): Route[] {
  const premiumOnly = (): void => {
    if (d.features.edition !== "premium") throw fail.premium();
  };
  const clusterApi = (): void => {
    if (!d.features.clusterApi) throw new ManagerError(404, "not_found_error", "Requested URL was not found on this server (no /cluster API from 5.0)");
    premiumOnly();
  };
  const noClusterApi = (ctx: RequestContext): void => {
    if (d.features.clusterApi) throw new ManagerError(404, "not_found_error", `Requested URL ${ctx.path} was not found on this server`);
    premiumOnly();
  };
  const notFound = (ctx: RequestContext): ManagerError => new ManagerError(404, "not_found_error", `Requested URL ${ctx.path} was not found on this server`);
  // 5.x managers are the same cluster members the 4.x API calls nodes.
  const managers = () =>
    d.state.clusterNodes.map((node, i) => ({
      id: i + 1,
      hostname: node.name,
      private_ip: node.host_ip,
      public_ip: node.public_ip,
      version: d.features.version,
      edition: d.features.edition,
      distribution: "centos",
      distro_release: "Core",
      fs_sync_node_id: null,
      networks: { default: node.host_ip },
      ca_cert_content: null,
    }));

  // Up to 5.0 a PostgreSQL on another host shows as `remote` (resources_v1/status.py @4.6).
  const instanceState = (name: string): string =>
    d.state.inactiveServices.has(name) ? "failed" : name === "PostgreSQL" && d.state.remoteDatabase ? "remote" : "running";

  return [
    {
      method: "GET",
      pattern: "/ok",
      open: true,
      alwaysAvailable: true,
      handler: async (ctx) => {
        // resources_v3_1/status.py @6.0.0: unauthenticated, "OK" 200 when every service is up, else "FAIL" 500.
        if (!d.features.okEndpoint) throw notFound(ctx);
        return d.state.inactiveServices.size > 0 ? { status: 500, json: "FAIL" } : { status: 200, json: "OK" };
      },
    },
    {
      method: "GET",
      pattern: "/version",
      alwaysAvailable: true,
      handler: async () => ({
        status: 200,
        json: {
          edition: d.features.edition,
          version: d.features.version,
          build: null,
          date: "2020-01-01",
          commit: "double",
          distribution: "centos",
          distro_release: "Core",
        },
      }),
    },
    {
      method: "GET",
      pattern: "/status",
      alwaysAvailable: true,
      handler: async () => ({
        status: 200,
        json: d.features.newStatusShape
          ? {
              status: d.state.inactiveServices.size > 0 ? "Fail" : "OK",
              services: Object.fromEntries(SERVICES.map((name) => [name, { status: d.state.inactiveServices.has(name) ? "Inactive" : "Active", is_remote: false, extra_info: {} }])),
            }
          : {
              // 4.x always answers "running" overall; only the instances tell a service is down.
              status: "running",
              services: SERVICES.map((name) => ({
                display_name: name,
                unit_id: `${name.toLowerCase().replace(/ /g, "-")}.service`,
                instances: [{ state: instanceState(name), Id: `${name}.service` }],
              })),
            },
      }),
    },
    {
      method: "GET",
      pattern: "/tokens",
      handler: async (ctx) => {
        const value = randomBytes(24).toString("hex");
        d.state.tokens.set(value, ctx.user);
        return { status: 200, json: { value, role: "sys_admin" } };
      },
    },
    {
      method: "GET",
      pattern: "/snapshot-status",
      open: true,
      alwaysAvailable: true,
      handler: async (ctx) => {
        if (!d.features.newStatusShape) throw new ManagerError(404, "not_found_error", `Requested URL ${ctx.path} was not found on this server`);
        return { status: 200, json: { status: d.state.restoring ? "running" : "not-running" } };
      },
    },
    {
      method: "GET",
      pattern: "/cluster",
      handler: async () => {
        clusterApi();
        return { status: 200, json: { initialized: true, error: null, logs: [], consul: { leader: d.state.clusterNodes.find((n) => n.master)?.name ?? null } } };
      },
    },
    {
      method: "GET",
      pattern: "/cluster/nodes",
      handler: async () => {
        clusterApi();
        // One answer of every member, without pagination metadata (the official client reads it with
        // `response.get('metadata', {})`: cloudify-common cluster.py @4.4).
        return { status: 200, json: { items: d.state.clusterNodes.map((n) => present(n, [])) } };
      },
    },
    {
      method: "GET",
      pattern: "/cluster/nodes/:id",
      handler: async (ctx) => {
        clusterApi();
        const node = d.state.clusterNodes.find((n) => n.name === ctx.params.id);
        if (!node) throw fail.notFound("ClusterNode", ctx.params.id);
        return { status: 200, json: node };
      },
    },
    {
      method: "DELETE",
      pattern: "/cluster/nodes/:id",
      handler: async (ctx) => {
        clusterApi();
        const node = d.state.clusterNodes.find((n) => n.name === ctx.params.id);
        if (!node) throw fail.notFound("ClusterNode", ctx.params.id);
        d.state.clusterNodes = d.state.clusterNodes.filter((n) => n !== node);
        return { status: 200, json: node };
      },
    },
    {
      method: "GET",
      pattern: "/cluster-status",
      handler: async (ctx) => {
        noClusterApi(ctx);
        if (!d.features.clusterStatusApi) throw notFound(ctx);
        const online = new Map(d.state.clusterNodes.map((n) => [n.name, n.online]));
        const degraded = [...online.values()].some((up) => !up);
        const service = (name: string) => ({
          status: degraded ? "Degraded" : "OK",
          is_external: false,
          nodes: Object.fromEntries(managers().map((m) => [m.hostname, {
            status: online.get(m.hostname) ? "OK" : "Fail", version: d.features.version, public_ip: m.public_ip, private_ip: m.private_ip,
          }])),
          name,
        });
        return { status: 200, json: { status: degraded ? "Degraded" : "OK", services: { manager: service("manager"), db: service("db"), broker: service("broker") } } };
      },
    },
    {
      method: "GET",
      pattern: "/managers",
      handler: async (ctx) => {
        noClusterApi(ctx);
        return listReply(managers(), ctx.query, MANAGER_FIELDS);
      },
    },
    {
      method: "DELETE",
      pattern: "/managers/:hostname",
      handler: async (ctx) => {
        noClusterApi(ctx);
        const manager = managers().find((m) => m.hostname === ctx.params.hostname);
        if (!manager) throw fail.notFound("Manager", ctx.params.hostname);
        d.state.clusterNodes = d.state.clusterNodes.filter((n) => n.name !== ctx.params.hostname);
        return { status: 200, json: manager };
      },
    },
  ];
}
