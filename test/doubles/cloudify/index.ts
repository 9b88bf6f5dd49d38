import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateTestCa, issueServerCertificate, type TestCa } from "./certs";
import { Faults } from "./faults";
import { featuresOf, type DoubleOptions, type Features } from "./options";
import { RequestPipeline, type RecordedRequest } from "./pipeline";
import { Router, type DoubleContext } from "./router";
import { blueprintRoutes } from "./routes/blueprints";
import { deploymentRoutes } from "./routes/deployments";
import { executionRoutes } from "./routes/executions";
import { managerRoutes } from "./routes/manager";
import { pluginRoutes } from "./routes/plugins";
import { secretRoutes } from "./routes/secrets";
import { snapshotRoutes } from "./routes/snapshots";
import { newTenant, tenantRoutes } from "./routes/tenants";
import { DoubleState } from "./state";
import { WorkflowEngine, type WorkflowOutcome } from "./workflows";

export interface CloudifyDouble {
  /** https base URL of each node (`https://127.0.0.1:<port>`), node 0 first. */
  readonly urls: readonly string[];
  /** PEM of the CA that signed every node's certificate. */
  readonly caCertPem: string;
  readonly credentials: { readonly username: string; readonly password: string };
  readonly features: Features;
  /** The manager's tables: read them to assert what the manager holds, or seed them. */
  readonly state: DoubleState;
  readonly faults: Faults;
  /** Every request that reached a node (after TLS), in arrival order. */
  readonly requests: RecordedRequest[];
  /** A connection (client shape) to this double: all nodes, first user, `tenant` (default `default_tenant`). */
  connection(tenant?: string): { endpoints: string[]; username: string; password: string; caCert: string; tenant: string };
  /** Scripts how the next execution(s) of a workflow end (e.g. `{ error: "boom" }`). */
  scriptWorkflow(workflowId: string, outcome: WorkflowOutcome): void;
  /** Makes `node` the leader; the others answer 400 `not_cluster_master`. */
  setLeader(node: number): void;
  /** Closes a node's port (connections refused) / opens it again on the same port. */
  stopNode(node: number): Promise<void>;
  startNode(node: number): Promise<void>;
  close(): Promise<void>;
}

/** What a caller in the same process may add to DoubleOptions. */
interface DoubleHooks {
  /** The CA to sign the nodes' certificate with (one CA across doubles). */
  readonly ca?: TestCa;
  /**
   * Which nodes are replicas, asked at every API call; default: every node but the one `setLeader` chose. For nodes that
   * stand alone until they join a cluster (test hosts whose fakes form it: a node is a replica once it joined).
   */
  readonly isReplica?: (node: number) => boolean;
}

interface NodeServer {
  server: Server;
  port: number;
  sockets: Set<Socket>;
  running: boolean;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts a local HTTPS imitation of a Cloudify Manager cluster (REST API v3.1, as the manager answers it),
 * one port per node on 127.0.0.1, with a freshly generated CA. Pass `ca` to reuse one across doubles.
 */
export async function startCloudifyDouble(options: DoubleOptions & DoubleHooks = {}): Promise<CloudifyDouble> {
  const features = featuresOf(options);
  const ca = options.ca ?? generateTestCa();
  const certificate = issueServerCertificate(ca);
  const users = options.users ?? { admin: "admin-secret" };
  const [username] = Object.keys(users);
  if (username === undefined) throw new Error("DoubleOptions.users: at least one user is needed");
  const nodeCount = options.nodes ?? 1;
  if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new Error(`DoubleOptions.nodes: a positive integer, got ${nodeCount}`);

  const dir = mkdtempSync(join(options.storageDir ?? tmpdir(), "cloudify-double-"));
  const state = new DoubleState();
  for (const name of ["default_tenant", ...(options.tenants ?? [])]) state.tenants.set(name, newTenant(name));
  const engine = new WorkflowEngine(state, options.workflowDurationMs ?? 20);
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  let leader = 0;
  const context: DoubleContext = { state, features, engine, dir, users, isReplica: options.isReplica ?? ((node) => node !== leader) };
  const router = new Router([
    ...managerRoutes(context),
    ...tenantRoutes(context),
    ...secretRoutes(context),
    ...pluginRoutes(context),
    ...blueprintRoutes(context),
    ...deploymentRoutes(context),
    ...executionRoutes(context),
    ...snapshotRoutes(context),
  ]);
  const pipeline = new RequestPipeline(context, router, faults, requests);

  const nodes: NodeServer[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const sockets = new Set<Socket>();
    const server = createServer({ key: certificate.keyPem, cert: certificate.certPem }, (req, res) => {
      pipeline.handle(i, req, res).catch(() => res.socket?.destroy());
    });
    server.requestTimeout = 0; // large uploads may take longer than Node's default 300 s
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    nodes.push({ server, port: await listen(server, 0), sockets, running: true });
  }
  const urls = nodes.map((n) => `https://127.0.0.1:${n.port}`);
  state.clusterNodes = urls.map((url, i) => ({
    name: `manager-${i}`,
    host_ip: new URL(url).hostname,
    public_ip: new URL(url).hostname,
    master: i === 0,
    online: true,
    initialized: true,
    credentials: null,
    required: false,
    remote_database: false,
    checks: { consul: true, database: true, services: true, heartbeat: true },
  }));

  const stopNode = async (i: number): Promise<void> => {
    const node = nodes[i];
    if (!node?.running) return;
    node.running = false;
    const closed = new Promise<void>((resolve) => node.server.close(() => resolve()));
    for (const socket of node.sockets) socket.destroy();
    await closed;
  };

  return {
    urls,
    caCertPem: ca.certPem,
    credentials: { username, password: users[username] },
    features,
    state,
    faults,
    requests,
    connection: (tenant = "default_tenant") => ({ endpoints: [...urls], username, password: users[username], caCert: ca.certPem, tenant }),
    scriptWorkflow: (workflowId, outcome) => engine.script(workflowId, outcome),
    setLeader: (i) => {
      if (!nodes[i]) throw new Error(`no node ${i}`);
      leader = i;
      state.clusterNodes.forEach((n, index) => (n.master = index === i));
    },
    stopNode,
    startNode: async (i) => {
      const node = nodes[i];
      if (!node || node.running) return;
      await listen(node.server, node.port);
      node.running = true;
    },
    close: async () => {
      engine.stop();
      await Promise.all(nodes.map((_, i) => stopNode(i)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { generateTestCa, issueServerCertificate, type TestCa } from "./certs";
export type { DoubleOptions } from "./options";
export type { RecordedRequest } from "./pipeline";
