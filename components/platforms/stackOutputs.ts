import type * as pulumi from "@pulumi/pulumi";
import type { BackupArchive } from "../cloudify/day2/backup-provider";
import type { ClusterStatusValue } from "../cloudify/day2/cluster-status-read";
import type { ClusterIps } from "../outputs/clusterIps";

interface NodeOutput {
  readonly name: string;
  readonly privateIp: string;
  readonly publicIp: string;
  readonly fqdn: string | null;
}

/** What a platform deployment exports, whatever it runs on. */
export interface StackOutputs {
  /** From the live leader (the configured order in a preview or when no leader is known). */
  readonly clusterIps: pulumi.Output<ClusterIps>;
  readonly nodes: pulumi.Output<NodeOutput[]>;
  /** Read on every `pulumi up` and `pulumi refresh`. */
  readonly clusterStatus: pulumi.Output<ClusterStatusValue>;
  /** The backup `cmom:backup.trigger` asked for, when set. */
  readonly backup?: pulumi.Output<BackupArchive>;
}
