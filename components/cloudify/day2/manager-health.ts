import type { CloudifyClient } from "../client";
import type { ManagerStatus } from "../client/types";

/** One service of the answering manager, as the reference's `leader_status` lists it. */
export interface ServiceStatus {
  readonly service: string;
  /** The manager's own word: an instance state up to 5.0 (`running`, `failed`, `remote`…), `Active`/`Inactive` from 5.0.5. */
  readonly status: string;
}

/** A 4.x/5.0 service as `GET /status` lists it; a manager without systemd access lists the bare string "undefined". */
type ListedService = Extract<ManagerStatus, { status: "running" }>["services"][number] | string;

function listedServices(status: ManagerStatus): ListedService[] | undefined {
  return Array.isArray(status.services) ? (status.services as ListedService[]) : undefined;
}

/**
 * `GET /status` in either shape as `[{service, status}]`. Up to 5.0 a service shows its first instance's state, and
 * `unknown` when it has none, as `cfy status` shows it (cloudify-cli commands/status.py @4.3 … 5.0.0).
 */
export function serviceStatuses(status: ManagerStatus): ServiceStatus[] {
  const listed = listedServices(status);
  if (listed) {
    return listed.map((s) =>
      typeof s === "string" ? { service: s, status: "unknown" } : { service: s.display_name.trim(), status: s.instances[0]?.state ?? "unknown" },
    );
  }
  return Object.entries(status.services).map(([service, s]) => ({ service, status: s.status }));
}

/** Instance states of a service that is down (systemd's words for a unit that stopped or crashed). */
const DOWN_STATES = ["failed", "dead"];

/**
 * Healthy as the official tools judge it. Up to 5.0 `cfy status` counts a manager whose REST service answers as up; the
 * answer lists remote services (`remote`), services without instances and, without systemd, just "undefined": only a
 * service that is down counts against it. From 5.0.5 the manager sums up itself (`status: OK`).
 */
export function isHealthy(status: ManagerStatus): boolean {
  if (listedServices(status)) return serviceStatuses(status).every((s) => !DOWN_STATES.includes(s.status));
  return status.status === "OK";
}

/** One health probe with what this manager's version offers: `/ok` from 6.0 (resources_v3_1/status.py @6.0.0), `/status` before. */
export async function probeHealth(client: CloudifyClient): Promise<{ healthy: boolean; said: string }> {
  const profile = await client.manager.profile();
  if (profile.healthPath === "/ok") {
    const healthy = await client.manager.ok();
    return { healthy, said: `/ok ${healthy ? "OK" : "FAIL"}` };
  }
  const status = await client.manager.status();
  return { healthy: isHealthy(status), said: `/status ${status.status}` };
}
