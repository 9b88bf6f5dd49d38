import { listAll } from "./list";
import { objectPath } from "./paths";
import type { CloudifyRest } from "./rest";
import type { ClusterNode, ManagerStatus, ManagerVersion } from "./types";

/** Numeric comparison of dotted versions ("5.0.5" < "5.1"); missing parts count as 0, suffixes are ignored. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] => v.split(/[.-]/).map((part) => Number.parseInt(part, 10)).map((n) => (Number.isNaN(n) ? 0 : n));
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** Manager-wide endpoints: version, status, 4.x cluster nodes, 5.0.5+ snapshot status. */
export class ManagerApi {
  private versionAnswer: Promise<ManagerVersion> | undefined;

  constructor(private readonly rest: CloudifyRest) {}

  /** `GET /version`, asked once per client. */
  version(): Promise<ManagerVersion> {
    this.versionAnswer ??= this.rest.call<ManagerVersion>({ method: "GET", path: "/version", expect: [200] });
    this.versionAnswer.catch(() => (this.versionAnswer = undefined));
    return this.versionAnswer;
  }

  async isAtLeast(version: string): Promise<boolean> {
    return compareVersions((await this.version()).version, version) >= 0;
  }

  /** `GET /status` in either shape (4.3–5.0: services list; 5.0.5+: services map). */
  status(): Promise<ManagerStatus> {
    return this.rest.call<ManagerStatus>({ method: "GET", path: "/status", expect: [200] });
  }

  /** 4.x premium cluster members. */
  clusterNodes(): Promise<ClusterNode[]> {
    return listAll<ClusterNode>(this.rest, "/cluster/nodes");
  }

  /** What `cfy cluster nodes remove` does; returns the removed node. */
  removeClusterNode(name: string): Promise<ClusterNode> {
    return this.rest.call<ClusterNode>({ method: "DELETE", path: objectPath("cluster/nodes", name), expect: [200] });
  }
}
