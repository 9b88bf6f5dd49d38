import { describe, expect, it } from "vitest";
import type { ClusterMemberStatus, ClusterStatusValue } from "../../components/cloudify/day2/cluster-status-read";
import { heal, HealRefusedError, type HealOperations } from "../../components/day2/heal/heal";
import { planHeal, type HealView, type ResourceStep } from "../../components/day2/heal/heal-plan";
import { stackUrns, TYPES, urnOf } from "../../components/naming/resourceNames";

/** Healing: the pure planner, and the executor with recorded calls (the Automation API and REST client faked). */
const STACK = "eu";
const SCOPE = { stack: STACK, project: "cmom" };
const URNS = stackUrns(SCOPE);
const serverUrn = URNS.server;
const joinUrn = URNS.clusterJoin;
const STATUS_URN = URNS.clusterStatus;
const BACKUP_URN = URNS.backup;
const NODES = [0, 1, 2].map((i) => ({ name: `cfy-${i}`, privateIp: `10.0.0.${i + 1}`, publicIp: `198.51.100.${i + 1}` }));

const member = (i: number, state: string, failing: string[] = []): ClusterMemberStatus => ({
  name: `cfy-${i}`,
  hostIp: `10.0.0.${i + 1}`,
  state,
  ...Object.fromEntries(["consul", "database", "services", "heartbeat"].map((c) => [c, failing.includes(c) ? "FAIL" : "OK"])),
}) as ClusterMemberStatus;

function view(options: { members?: ClusterMemberStatus[]; gone?: number[]; error?: string | null; platform?: string; installPath?: HealView["installPath"] } = {}): HealView {
  const status: ClusterStatusValue = {
    leaderStatus: [],
    clusterStatus: options.members ?? [member(0, "leader"), member(1, "replica"), member(2, "replica")],
    error: options.error ?? null,
  };
  return {
    scope: SCOPE,
    platform: options.platform ?? "openstack",
    installPath: "installPath" in options ? options.installPath : "ha4",
    nodes: NODES,
    status,
    resources: [
      ...[0, 1, 2].filter((i) => !(options.gone ?? []).includes(i)).map((i) => ({ urn: serverUrn(i), type: TYPES.server })),
      { urn: STATUS_URN, type: TYPES.clusterStatus },
    ],
  };
}

/** What a real update of a healed node 2 completes, in order. */
const healedNode2: ResourceStep[] = [
  { urn: serverUrn(2), op: "create" },
  ...["prepare", "post-install", "config", "init", "test"].map((s) => ({ urn: URNS.installStep(2, s), op: "replace" })),
  { urn: joinUrn(2), op: "replace" },
  { urn: STATUS_URN, op: "update" },
];

/** Fake operations recording every call. */
function recorder(seen: HealView, steps: { preview?: ResourceStep[]; up?: ResourceStep[] } = {}) {
  const calls: string[] = [];
  const ops: HealOperations = {
    refresh: async () => void calls.push("refresh"),
    inspect: async () => (calls.push("inspect"), seen),
    preview: async (replace) => (calls.push(`preview replace=[${replace.join(",")}]`), steps.preview ?? healedNode2),
    backup: async (trigger, urn) => void calls.push(`backup ${trigger} ${urn}`),
    removeClusterNode: async (name, via) => void calls.push(`remove ${name} via ${via.join(",")}`),
    setRejoinVia: async (privateIp) => void calls.push(`rejoinVia ${privateIp}`),
    up: async (replace) => (calls.push(`up replace=[${replace.join(",")}]`), steps.up ?? healedNode2),
  };
  return { ops, calls };
}
const NOW = () => new Date(Date.UTC(2026, 10, 22, 10, 0, 0));

describe("planHeal", () => {
  it("refuses a 5.1+ cluster (installed by roles), whose members it cannot rebuild, before anything changes", async () => {
    expect(planHeal(view({ installPath: "roles" }))).toEqual({
      kind: "refuse",
      reason: "heal rebuilds nodes of 4.x HA clusters; this stack installs Cloudify 5.1 or later by roles (cmom:cluster.version), which it does not heal yet",
    });
    const { ops, calls } = recorder(view({ installPath: "roles" }));
    await expect(heal(ops)).rejects.toThrow(/which it does not heal yet/);
    expect(calls).toEqual(["refresh", "inspect"]);
  });

  it("heals nothing when every server is there and every member healthy", () => {
    expect(planHeal(view())).toMatchObject({ kind: "healthy" });
  });

  it("refuses to heal the leader itself: members are removed through the leader", () => {
    const plan = planHeal(view({ members: [member(0, "replica"), member(1, "leader", ["heartbeat"]), member(2, "replica")] }));
    expect(plan).toMatchObject({ kind: "refuse", reason: expect.stringMatching(/^cfy-1 needs healing \(failing checks: heartbeat\) but leads the cluster/) });
  });

  it("heals a node whose server is gone, through the live members, leader first", () => {
    const plan = planHeal(view({ gone: [2], members: [member(0, "replica"), member(1, "leader"), member(2, "offline")] }));
    expect(plan).toEqual({
      kind: "heal",
      targets: [{ index: 2, name: "cfy-2", reason: "its server is gone (the refresh found it deleted)", serverUrn: undefined }],
      liveMembers: ["198.51.100.2", "198.51.100.1"],
      replace: [],
      backupUrn: BACKUP_URN,
    });
  });

  it("replaces the server of an unhealthy node that is still there, and of one that is no member", () => {
    const failing = planHeal(view({ members: [member(0, "leader"), member(1, "replica", ["consul", "database"]), member(2, "replica")] }));
    expect(failing).toMatchObject({ kind: "heal", targets: [{ index: 1, reason: "failing checks: consul, database", serverUrn: serverUrn(1) }], replace: [serverUrn(1)] });
    const offline = planHeal(view({ members: [member(0, "leader"), member(1, "replica"), member(2, "offline")] }));
    expect(offline).toMatchObject({ kind: "heal", targets: [{ index: 2, reason: "the cluster reports it offline" }], replace: [serverUrn(2)] });
    const missing = planHeal(view({ members: [member(0, "leader"), member(1, "replica")] }));
    expect(missing).toMatchObject({ kind: "heal", targets: [{ index: 2, reason: "it is not a member of the cluster" }], liveMembers: ["198.51.100.1", "198.51.100.2"] });
  });

  it("refuses when no member answers", () => {
    const unreachable = planHeal(view({ members: [], error: "no cluster member answered: connect ECONNREFUSED" }));
    expect(unreachable).toEqual({ kind: "refuse", reason: expect.stringMatching(/^no cluster member answers \(no cluster member answered: connect ECONNREFUSED\); cmom never heals a wholly unreachable cluster/) });
    const allOffline = planHeal(view({ gone: [1], members: [member(0, "offline"), member(1, "offline"), member(2, "offline")] }));
    expect(allOffline).toMatchObject({ kind: "refuse", reason: expect.stringContaining("cfy-0: offline, cfy-1: offline, cfy-2: offline") });
  });

  it("heals node 0 by joining it to the live leader (cmom:cluster.rejoinVia), never by starting a second cluster", () => {
    const plan = planHeal(view({ gone: [0], members: [member(1, "leader"), member(2, "replica")] }));
    expect(plan).toMatchObject({ kind: "heal", targets: [{ index: 0, name: "cfy-0" }], rejoinVia: "10.0.0.2", liveMembers: ["198.51.100.2", "198.51.100.3"] });
    expect(planHeal(view({ gone: [2], members: [member(0, "leader"), member(1, "replica")] }))).not.toHaveProperty("rejoinVia");
  });

  it("refuses other platforms and a stack never deployed", () => {
    expect(planHeal(view({ platform: "kubernetes" }))).toMatchObject({ kind: "refuse", reason: expect.stringContaining("Kubernetes restarts its manager pod") });
    expect(planHeal(view({ platform: "manager" }))).toMatchObject({ kind: "refuse", reason: expect.stringContaining("cmom did not create its machines") });
    expect(planHeal({ ...view(), status: undefined })).toMatchObject({ kind: "refuse", reason: expect.stringContaining("pulumi up once first") });
  });
});

describe("heal (recorded calls)", () => {
  it("refreshes, checks the preview, backs up, removes the stale node through a live member, then recreates only its server", async () => {
    const seen = view({ members: [member(0, "leader"), member(1, "replica"), member(2, "offline")] });
    const { ops, calls } = recorder(seen);
    const plan = await heal(ops, { now: NOW });
    expect(plan.kind).toBe("heal");
    expect(calls).toEqual([
      "refresh",
      "inspect",
      `preview replace=[${serverUrn(2)}]`,
      `backup 2026-11-22T10:00:00.000Z ${BACKUP_URN}`,
      "remove cfy-2 via 198.51.100.1,198.51.100.2",
      `up replace=[${serverUrn(2)}]`,
    ]);
  });

  it("sets cmom:cluster.rejoinVia once the preview check passed when it rebuilds node 0, and expects node 0's cluster step to rerun", async () => {
    const seen = view({ gone: [0], members: [member(1, "leader"), member(2, "replica")] });
    const startUrn = URNS.clusterStart;
    const healedNode0: ResourceStep[] = [
      { urn: serverUrn(0), op: "create" },
      ...["prepare", "post-install", "config", "init", "test"].map((s) => ({ urn: URNS.installStep(0, s), op: "replace" })),
      { urn: startUrn, op: "replace" },
    ];
    const { ops, calls } = recorder(seen, { preview: healedNode0, up: healedNode0 });
    await heal(ops, { now: NOW });
    expect(calls).toEqual([
      "refresh",
      "inspect",
      "preview replace=[]",
      "rejoinVia 10.0.0.2",
      `backup 2026-11-22T10:00:00.000Z ${BACKUP_URN}`,
      "remove cfy-0 via 198.51.100.2,198.51.100.3",
      "up replace=[]",
    ]);
    const dry = recorder(seen, { preview: healedNode0 });
    await heal(dry.ops, { now: NOW, dryRun: true });
    expect(dry.calls).not.toContain("rejoinVia 10.0.0.2");
  });

  it("refuses when no member answers, having changed nothing", async () => {
    const { ops, calls } = recorder(view({ members: [], error: "no cluster member answered" }));
    await expect(heal(ops, { now: NOW })).rejects.toBeInstanceOf(HealRefusedError);
    expect(calls).toEqual(["refresh", "inspect"]);
  });

  it("refuses before the backup when the update would touch a healthy node or a shared resource", async () => {
    const touchesNode1 = [...healedNode2, { urn: URNS.installStep(1, "config"), op: "replace" }, { urn: urnOf(SCOPE, [TYPES.openstackCluster, TYPES.managerNode], "openstack:networking/port:Port", `${STACK}-node-2-port`), op: "replace" }];
    const { ops, calls } = recorder(view({ gone: [2], members: [member(0, "leader"), member(1, "replica")] }), { preview: touchesNode1 });
    const refusal = await heal(ops, { now: NOW }).catch((e: Error) => e);
    expect(refusal).toBeInstanceOf(HealRefusedError);
    expect((refusal as Error).message).toContain(`replace ${URNS.installStep(1, "config")}`);
    expect((refusal as Error).message).toContain("eu-node-2-port");
    expect(calls.at(-1)).toMatch(/^preview/);
  });

  it("leaves healthy nodes out of the update and accepts only their unchanged steps", async () => {
    const untouched = [...healedNode2, { urn: URNS.installStep(1, "config"), op: "same" }, { urn: serverUrn(0), op: "same" }];
    const { ops, calls } = recorder(view({ gone: [2] }), { preview: untouched, up: untouched });
    await heal(ops, { now: NOW });
    expect(calls.filter((c) => c.startsWith("up") || c.startsWith("preview"))).toEqual(["preview replace=[]", "up replace=[]"]);
  });

  it("fails when the update did not reinstall and rejoin the node, or not in the order server → install → join", async () => {
    const withoutJoin = healedNode2.filter((s) => s.urn !== joinUrn(2));
    const missing = recorder(view({ gone: [2] }), { up: withoutJoin });
    await expect(heal(missing.ops, { now: NOW })).rejects.toThrow(/healing is incomplete:\n {2}cfy-2: not joined/);
    const joinFirst = [healedNode2.at(-2)!, ...healedNode2.slice(0, -2)];
    const disordered = recorder(view({ gone: [2] }), { up: joinFirst });
    await expect(heal(disordered.ops, { now: NOW })).rejects.toThrow(/cfy-2: server, install and join did not happen in that order/);
  });

  it("stops after the preview check in a dry run", async () => {
    const { ops, calls } = recorder(view({ gone: [2] }));
    await heal(ops, { now: NOW, dryRun: true });
    expect(calls).toEqual(["refresh", "inspect", "preview replace=[]"]);
  });
});
