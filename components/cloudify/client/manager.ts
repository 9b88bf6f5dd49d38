import { objectPath } from "./paths";
import type { CloudifyRest } from "./rest";
import type { ClusterNode, ClusterStatusAnswer, ManagerStatus, ManagerVersion } from "./types";
import { profileOf, type ManagerProfile } from "./versions";

/**
 * A list of cluster members in one answer, read as the official client reads it (one GET, no `_size`/`_offset`): 4.x
 * `/cluster/nodes` sends no pagination metadata (cloudify-common cluster.py @4.4), `/managers` is as short as the cluster.
 */
interface ItemsAnswer<T> {
  readonly items: T[];
}

/** 5.x `GET /managers` item (the fields cmom reads). */
export interface ManagerNode {
  readonly hostname: string;
  readonly private_ip: string;
  readonly public_ip?: string;
}

/** Manager-wide endpoints: version and its profile, status, health, cluster members and their removal. */
export class ManagerApi {
  private versionAnswer: Promise<ManagerVersion> | undefined;

  constructor(private readonly rest: CloudifyRest) {}

  /** `GET /version`, asked once per client. */
  version(): Promise<ManagerVersion> {
    this.versionAnswer ??= this.rest.call<ManagerVersion>({ method: "GET", path: "/version", expect: [200] });
    this.versionAnswer.catch(() => (this.versionAnswer = undefined));
    return this.versionAnswer;
  }

  /** What this manager's version does differently (see versions.ts); throws UnsupportedVersionError outside 4.3 … 7.0. */
  async profile(): Promise<ManagerProfile> {
    return profileOf((await this.version()).version);
  }

  /** `GET /status` in either shape (services list up to 5.0; services map from 5.0.5). */
  status(): Promise<ManagerStatus> {
    return this.rest.call<ManagerStatus>({ method: "GET", path: "/status", expect: [200] });
  }

  /** 6.0+ `GET /ok`: true when the manager calls itself healthy (200 "OK"), false on its 500 "FAIL". */
  async ok(): Promise<boolean> {
    const answer = await this.rest.call<unknown>({ method: "GET", path: "/ok", expect: [200, 500] });
    return answer === "OK";
  }

  /** 4.x premium cluster members. */
  clusterNodes(): Promise<ClusterNode[]> {
    return this.items<ClusterNode>("/cluster/nodes");
  }

  /** 5.0+ cluster members. */
  managers(): Promise<ManagerNode[]> {
    return this.items<ManagerNode>("/managers");
  }

  /** 5.0.5+ members with their health. */
  clusterStatus(): Promise<ClusterStatusAnswer> {
    return this.rest.call<ClusterStatusAnswer>({ method: "GET", path: "/cluster-status", expect: [200] });
  }

  private async items<T>(path: string): Promise<T[]> {
    return (await this.rest.call<ItemsAnswer<T>>({ method: "GET", path, expect: [200] })).items;
  }

  /** What `cfy cluster nodes remove` (4.x) or `cfy cluster remove` (5.x+) does, by the member's name. */
  async removeClusterMember(name: string): Promise<void> {
    const profile = await this.profile();
    const collection = profile.clusterMembers === "cluster-nodes" ? "cluster/nodes" : "managers";
    await this.rest.call({ method: "DELETE", path: objectPath(collection, name), expect: [200, 204] });
  }
}
