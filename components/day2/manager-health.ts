import type { ManagerStatus } from "../cloudify/client/types";

/** One service of the answering manager, as the reference's `leader_status` lists it. */
export interface ServiceStatus {
  readonly service: string;
  /** The manager's own word: an instance state up to 5.0 (`running`, `failed`…), `Active`/`Inactive` from 5.0.5. */
  readonly status: string;
}

type OldShape = Extract<ManagerStatus, { status: "running" }>;

function isOldShape(status: ManagerStatus): status is OldShape {
  return Array.isArray(status.services);
}

/** `GET /status` in either shape as `[{service, status}]`. A 4.x service is as good as its worst instance. */
export function serviceStatuses(status: ManagerStatus): ServiceStatus[] {
  if (isOldShape(status)) {
    return status.services.map((s) => ({
      service: s.display_name.trim(),
      status: s.instances.find((i) => i.state !== "running")?.state ?? (s.instances.length > 0 ? "running" : "unknown"),
    }));
  }
  return Object.entries(status.services).map(([service, s]) => ({ service, status: s.status }));
}

/** Every service up: 5.0.5+ says `OK`; up to 5.0 the overall word is always `running`, so every instance must be. */
export function isHealthy(status: ManagerStatus): boolean {
  if (isOldShape(status)) return serviceStatuses(status).every((s) => s.status === "running");
  return status.status === "OK";
}
