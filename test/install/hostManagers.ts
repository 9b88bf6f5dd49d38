// The managers' REST API on the test hosts (./sshHosts): node i of one REST double (test/doubles/cloudify, at a version
// profile) answers on host i's own address, port 443, with the certificate and key the host's installer was given
// (config.yaml ssl_inputs), as nginx serves them on a manager, and only while the fakes say its services are up. A host
// the fakes' cluster registry lists in another host's cluster is a replica: it answers 400 not_cluster_master, as 4.x HA
// does (cloudify-manager rest-service @4.3 … 4.6); GET /cluster/nodes lists the registry's cluster.
// A 5.1+ layout names its certificate elsewhere: `identity` says what the host serves (default: the 4.x one below).
// API: startHostManagers(hosts, options) → .double, .serve(host) (each host, once it exists), .close().
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import { parse } from "yaml";
import { startCloudifyDouble, type CloudifyDouble, type DoubleOptions } from "../doubles/cloudify";
import type { SshHost, SshHosts } from "./sshHosts";

const REST_PORT = 443;

export interface HostManagers {
  readonly double: CloudifyDouble;
  /** Starts answering on `host`'s address (node `hosts.hosts.indexOf(host)` of the double). */
  serve(host: SshHost): Promise<void>;
  close(): Promise<void>;
}

interface Registry {
  readonly clusters?: Record<string, { name: string; host_ip: string }[]>;
  readonly membership?: Record<string, string>;
}

const readJson = <T>(file: string): T | undefined => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) as T : undefined);

/** The certificate and key a host's nginx serves, or undefined while its manager is not up. */
export type ServedIdentity = (host: SshHost) => { cert: Buffer; key: Buffer } | undefined;

/** What the host's nginx serves: the external certificate and key of its config.yaml, once its services are up. */
const servedIdentity: ServedIdentity = (host) => {
  if (readJson<{ services?: string }>(path.join(host.stateDir, "state.json"))?.services !== "up") return undefined;
  const config = parse(fs.readFileSync(path.join(host.root, "etc/cloudify/config.yaml"), "utf8")) as { ssl_inputs: Record<string, string> };
  const onHost = (file: string) => fs.readFileSync(path.join(host.root, file));
  return { cert: onHost(config.ssl_inputs.external_cert_path!), key: onHost(config.ssl_inputs.external_key_path!) };
};

/** What `served` says, or undefined when the host's files cannot be read (being written, or removed by a cleanup): no manager answers. */
function identityOf(served: ServedIdentity, host: SshHost): ReturnType<ServedIdentity> {
  try {
    return served(host);
  } catch {
    return undefined;
  }
}

/** `options.nodes` must cover every host the test will have. */
export async function startHostManagers(hosts: SshHosts, options: DoubleOptions & { readonly identity?: ServedIdentity }): Promise<HostManagers> {
  const { identity: served = servedIdentity, ...doubleOptions } = options;
  const registry = () => readJson<Registry>(hosts.registry) ?? {};
  const addressOf = (node: number) => hosts.hosts[node]?.address;
  const double = await startCloudifyDouble({
    ...doubleOptions,
    isReplica: (node) => {
      const address = addressOf(node);
      const leader = address === undefined ? undefined : registry().membership?.[address];
      return leader !== undefined && leader !== address;
    },
  });
  const fronts: net.Server[] = [];

  /** The double's cluster table follows the fakes' cluster (there is one: the stack's). */
  function syncClusterNodes() {
    const { clusters = {} } = registry();
    const [leader, nodes] = Object.entries(clusters)[0] ?? [];
    if (leader === undefined || nodes === undefined) return;
    double.state.clusterNodes = nodes.map((node) => ({
      name: node.name, host_ip: node.host_ip, public_ip: node.host_ip, master: node.host_ip === leader, online: true,
      initialized: true, credentials: null, required: false, remote_database: false,
      checks: { consul: true, database: true, services: true, heartbeat: true },
    }));
  }

  return {
    double,
    serve: async (host) => {
      const upstreamPort = Number(new URL(double.urls[hosts.hosts.indexOf(host)]!).port);
      const front = net.createServer((raw) => {
        const identity = identityOf(served, host);
        if (identity === undefined) {
          raw.destroy();
          return;
        }
        syncClusterNodes();
        const inbound = new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext(identity) });
        const upstream = tls.connect({ host: "127.0.0.1", port: upstreamPort, ca: double.caCertPem });
        inbound.on("error", () => upstream.destroy());
        upstream.on("error", () => inbound.destroy());
        inbound.pipe(upstream).pipe(inbound);
      });
      fronts.push(front);
      await new Promise<void>((resolve) => front.listen(0, host.gateway, resolve));
      await hosts.forward(host, REST_PORT, (front.address() as net.AddressInfo).port);
    },
    close: async () => {
      await Promise.all(fronts.map((front) => new Promise((resolve) => front.close(resolve))));
      await double.close();
    },
  };
}
