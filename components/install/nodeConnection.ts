import type * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../config/clusterSchema";
import type { DialPolicy } from "./remoteStepProvider";

/** One SSH hop. */
interface SshEndpoint {
  readonly host: pulumi.Input<string>;
  readonly port: number;
  readonly user: string;
  /** Secret. */
  readonly privateKey: pulumi.Input<string>;
  /** Pinned host key (`ssh-ed25519 AAAA…`); without one the key is trusted on first use (the operator's known_hosts). */
  readonly hostKey?: string;
}

/** How to reach a node: directly, or through a bastion. */
export interface SshRoute extends SshEndpoint {
  readonly proxy?: SshEndpoint;
}

export interface ConnectionTarget {
  /** Server name: the key of cluster.hostKeys. */
  readonly name: string;
  readonly privateIp: pulumi.Input<string>;
  readonly publicIp: pulumi.Input<string>;
}

/**
 * Without a bastion: the node's public address. With one: the node's private address through the bastion, which exists
 * to reach exactly those. cluster.hostKeys[node] and bastion.hostKey are pinned when given.
 */
export function sshRoute(cluster: ClusterConfig, target: ConnectionTarget): SshRoute {
  const bastion = cluster.bastion;
  const hostKey = cluster.hostKeys[target.name];
  return {
    host: bastion ? target.privateIp : target.publicIp,
    port: cluster.sshPort,
    user: cluster.sshUser,
    privateKey: cluster.sshPrivateKey,
    ...(hostKey === undefined ? {} : { hostKey }),
    ...(bastion === undefined ? {} : {
      proxy: {
        host: bastion.host,
        port: bastion.port,
        user: bastion.user,
        privateKey: bastion.privateKey ?? cluster.sshPrivateKey,
        ...(bastion.hostKey === undefined ? {} : { hostKey: bastion.hostKey }),
      },
    }),
  };
}

/** A VM that was just created may take minutes until sshd answers: keep dialing (about attempts × (15 s + delay) at most). */
const DIAL: DialPolicy = { attempts: 40, delaySeconds: 5 };

/** The route as a RemoteStep's connection, with its dial policy. */
export function stepConnection(route: SshRoute): { connection: SshRoute; dial: DialPolicy } {
  return { connection: route, dial: DIAL };
}
