import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveExports, revealSecrets, type RecordedResource } from "../../scripts/plan/recordingMocks";
import { exampleNamespaces } from "../support/exampleStacks";
import { named, transitiveDependencies } from "../support/resources";
import { stackUrns, TYPES, urnOf } from "../../components/naming/resourceNames";
import { runProgram } from "../support/runProgram";

/** Where the day-2 resources sit in the graph, under Pulumi mocks (a preview). */
const DYNAMIC = "pulumi-nodejs:dynamic/cloudify:";
const endpointsOf = (r: RecordedResource) => (revealSecrets(r.inputs.connection) as { endpoints: string[] }).endpoints;
const PREVIEW_STATUS = { leaderStatus: [], clusterStatus: [], error: expect.stringMatching(/^not read in a preview/) };

describe("OpenStack: restore, backup and status in the graph", async () => {
  const ns = exampleNamespaces("pool") as Record<string, any>;
  ns.restore = { fromStack: "eu-old", snapshotId: "snap_2026_01_02_03_04_05", params: { force: true } };
  ns.backup = { trigger: "2026-11-22T10:00:00Z", includeMetrics: true };
  const { resources, exports } = await runProgram(ns);
  const urn = (name: string) => named(resources, name).urn;
  const restore = named(resources, "test-restore");
  const before = (a: string, b: string) => transitiveDependencies(resources, urn(b)).has(urn(a));

  it("restores on node 0 only, after its install test stage and before cluster start, every join and every REST object", () => {
    expect(restore.type).toBe(`${DYNAMIC}SnapshotRestore`);
    expect(restore.dependsOn).toContain(urn("test-install-node-0-test"));
    expect(endpointsOf(restore)).toEqual(["https://10.20.0.11"]);
    expect(named(resources, "test-install-cluster-start").dependsOn).toContain(restore.urn);
    for (const later of ["test-install-cluster-join-1", "test-install-cluster-join-2", "test-resources-tenant-ops", "test-resources-secret-ops-openstack_password", "test-resources-deployment-ops-hello"]) {
      expect(before("test-restore", later), later).toBe(true);
    }
    // …and waits for nothing of the other nodes.
    expect([...transitiveDependencies(resources, restore.urn)].some((u) => /node-[12]/.test(u))).toBe(false);
  });

  it("heal finds the program's servers, install steps, joins, status and backup under the URNs the naming module builds", () => {
    const scope = { stack: "test", project: "cmom" };
    // The engine puts every ancestor's type in a URN (Pulumi's mocks keep only the parent's): rebuild it from the parents recorded.
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const ancestry = (r: RecordedResource): string[] => {
      const parent = byUrn.get(r.parent);
      return parent === undefined || parent.type === TYPES.stack ? [] : [...ancestry(parent), parent.type];
    };
    const engineUrns = new Set(resources.map((r) => urnOf(scope, ancestry(r), r.type, r.name)));
    const urns = stackUrns(scope);
    const expected = [urns.server(0), urns.server(2), urns.installStep(1, "test"), urns.clusterStart, urns.clusterJoin(1), urns.clusterJoin(2), urns.clusterStatus, urns.backup];
    expect(expected.filter((u) => !engineUrns.has(u))).toEqual([]);
  });

  it("restores the other stack's backup file, with the configured params", () => {
    expect(restore.inputs).toMatchObject({
      snapshotPath: path.resolve("snapshots/eu-old/snap_2026_01_02_03_04_05.zip"),
      transferAgents: true,
      params: { withoutDeploymentEnvs: false, force: true, restoreCertificates: false, noReboot: false },
    });
  });

  it("backs up after the cluster is formed and the restore is done, into snapshots/<stack>/, when a trigger is set", () => {
    const backup = named(resources, "test-backup");
    expect(backup.type).toBe(`${DYNAMIC}Backup`);
    // Waiting for the formation component means waiting for its start and every join.
    expect(backup.dependsOn).toEqual(expect.arrayContaining(["start", "join-1", "join-2"].map((s) => urn(`test-install-cluster-${s}`)).concat(restore.urn)));
    expect(backup.inputs).toMatchObject({ dir: path.resolve("snapshots/test"), trigger: "2026-11-22T10:00:00Z", includeMetrics: true, includeCredentials: true });
    expect(endpointsOf(backup)).toEqual(["https://10.20.0.11", "https://10.20.0.12", "https://10.20.0.13"]);
  });

  it("reads the status of every node once the cluster is formed, and exports it with clusterIps (configured order in a preview)", async () => {
    const status = named(resources, "test-status");
    expect(status.type).toBe(`${DYNAMIC}ClusterStatus`);
    expect(before("test-install-cluster-join-2", "test-status")).toBe(true);
    expect(endpointsOf(status)).toEqual(["https://10.20.0.11", "https://10.20.0.12", "https://10.20.0.13"]);
    const out = await resolveExports({ clusterStatus: exports.clusterStatus, clusterIps: exports.clusterIps });
    expect(out.clusterStatus).toEqual(PREVIEW_STATUS);
    expect(out.clusterIps).toEqual({ master: "10.20.0.11", slaves: ["10.20.0.12", "10.20.0.13"] });
  });

  it("takes no backup and restores nothing when the stack does not ask", async () => {
    const { resources: plain } = await runProgram(exampleNamespaces("pool"));
    expect(plain.filter((r) => r.type === `${DYNAMIC}Backup` || r.type === `${DYNAMIC}SnapshotRestore`)).toEqual([]);
    expect(named(plain, "test-install-cluster-start").dependsOn).toEqual([urn("test-install-node-0-test")]);
    expect(plain.filter((r) => r.type === `${DYNAMIC}ClusterStatus`)).toHaveLength(1);
  });
});

describe("Kubernetes: restore, backup and status in the graph", async () => {
  const caCert = (exampleNamespaces("pool") as Record<string, any>).cluster.caCert as string;

  it("restores after the manager is up and before any REST object, then backs up and reads the status at its address", async () => {
    const ns = exampleNamespaces("k8s") as Record<string, any>;
    ns.kubernetes.managerCaCert = caCert;
    ns.restore = { snapshotPath: "../snapshots/old/snap.zip", transferAgents: false }; // relative to stacks/, the stack file's directory
    ns.backup = { trigger: "now" };
    ns.resources = { tenants: ["ops"] };
    const { resources } = await runProgram(ns);
    const restore = named(resources, "test-restore");
    expect(restore.inputs).toMatchObject({ snapshotPath: path.resolve("snapshots/old/snap.zip"), transferAgents: false });
    expect(named(resources, "test-resources-tenant-ops").dependsOn).toContain(restore.urn);
    expect(named(resources, "test-backup").dependsOn).toContain(restore.urn);
    expect(endpointsOf(named(resources, "test-status"))).toEqual(endpointsOf(restore));
  });

  it("without managerCaCert sends nothing to the manager and says why in clusterStatus", async () => {
    const { resources, exports } = await runProgram(exampleNamespaces("k8s"));
    expect(resources.filter((r) => r.type.startsWith(DYNAMIC))).toEqual([]);
    const out = await resolveExports(exports);
    expect(out.clusterStatus).toEqual({ leaderStatus: [], clusterStatus: [], error: expect.stringContaining("managerCaCert is not set") });
  });
});
