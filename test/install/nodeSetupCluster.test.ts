// HA formation (Cloudify 4.x CLI): cluster_start on the leader and cluster_join on members, both idempotent.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Certificates, FakeNode, makeCertificates, SavedNodes } from "./fakes/harness";

const LEADER_IP = "10.0.0.11";
const MEMBER_IP = "10.0.0.12";
let certs: Certificates;
let scratch: string;
let leader: FakeNode;
let member: FakeNode;
/** Leader and member installed, no cluster formed yet: every test starts from there. */
let installed: SavedNodes;

beforeAll(async () => {
  certs = makeCertificates();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-cluster-"));
  const registry = path.join(scratch, "registry.json"); // what the managers know about each other
  leader = new FakeNode(certs, {
    nodeName: "manager-0", privateIp: LEADER_IP,
    cluster: { role: "leader", leaderIp: LEADER_IP, nodeName: "manager-0" },
  }, registry);
  member = new FakeNode(certs, {
    nodeName: "manager-1", privateIp: MEMBER_IP,
    cluster: { role: "member", leaderIp: LEADER_IP, nodeName: "manager-1" },
  }, registry);
  await leader.runAll("post_install", "config", "init");
  await member.runAll("post_install", "config", "init");
  leader.clearCalls();
  member.clearCalls();
  installed = new SavedNodes([leader, member]);
});
afterAll(() => {
  installed.remove();
  leader.remove();
  member.remove();
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(path.dirname(certs.dir), { recursive: true, force: true });
});

beforeEach(() => {
  installed.restore();
});

const clusterCommands = (node: FakeNode) =>
  node.commandLines().filter((line) => /^cfy cluster (start|join|nodes remove)/.test(line));

describe("cluster_start", () => {
  it("starts the cluster once on the leader with its private IP and node name", async () => {
    await leader.runAll("cluster_start", "cluster_start");
    expect(clusterCommands(leader)).toEqual([
      `cfy cluster start --cluster-host-ip ${LEADER_IP} --cluster-node-name manager-0`]);
    expect(leader.registryContent().clusters[LEADER_IP]).toEqual([
      { name: "manager-0", host_ip: LEADER_IP }]);
  });

  it("starts a new cluster when no peer runs one (a first formation: peers installed, not clustered)", async () => {
    const result = await leader.run("cluster_start", [MEMBER_IP]);
    expect(result.code, result.stderr).toBe(0);
    expect(clusterCommands(leader)).toEqual([`cfy cluster start --cluster-host-ip ${LEADER_IP} --cluster-node-name manager-0`]);
  });

  it("joins the cluster a peer already runs instead of starting a second one (a rebuilt leader)", async () => {
    const survivorIp = "10.0.0.13";
    const survivor = new FakeNode(certs, {
      nodeName: "manager-2", privateIp: survivorIp,
      cluster: { role: "leader", leaderIp: survivorIp, nodeName: "manager-2" },
    }, path.join(scratch, "registry.json"));
    try {
      await survivor.runAll("post_install", "config", "init", "cluster_start");
      const result = await leader.run("cluster_start", [`${MEMBER_IP},${survivorIp}`]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`${survivorIp} already runs a cluster: joining it instead of starting a second one`);
      expect(clusterCommands(leader)).toEqual([`cfy cluster join --cluster-host-ip ${LEADER_IP} --cluster-node-name manager-0 ${survivorIp}`]);
      expect(leader.registryContent().clusters[survivorIp].map((node) => node.name)).toEqual(["manager-2", "manager-0"]);
      expect(leader.registryContent().clusters[LEADER_IP]).toBeUndefined();
      const again = await leader.run("cluster_start", [`${MEMBER_IP},${survivorIp}`]);
      expect(again.stdout).toContain("already clustered");
    } finally {
      survivor.remove();
    }
  });

  it("takes peers as comma-separated addresses only", async () => {
    const result = await leader.run("cluster_start", ["10.0.0.12;reboot"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/peers '10.0.0.12;reboot' must be IP addresses separated by commas/);
  });

  it("refuses to run on a member, and cluster_join refuses to run on the leader", async () => {
    const start = await member.run("cluster_start");
    expect(start.code).toBe(1);
    expect(start.stderr).toBe("cmom-node-setup cluster_start: cluster.role is 'member': cluster_start is for the leader\n");
    const join = await leader.run("cluster_join");
    expect(join.code).toBe(1);
    expect(join.stderr).toMatch(/cluster.role is 'leader': cluster_join is for the member/);
  });
});

describe("cluster_join", () => {
  it("joins the leader once; a rerun finds the node a member and changes nothing", async () => {
    await leader.runAll("cluster_start");
    await member.runAll("cluster_join", "cluster_join");
    expect(clusterCommands(member)).toEqual([
      `cfy cluster join --cluster-host-ip ${MEMBER_IP} --cluster-node-name manager-1 ${LEADER_IP}`]);
    expect(leader.registryContent().clusters[LEADER_IP].map((node) => node.name)).toEqual(["manager-0", "manager-1"]);
  });

  it("a rebuilt member (new machine, same address) removes its stale entry through the leader before joining", async () => {
    await leader.runAll("cluster_start");
    await member.runAll("cluster_join");
    const rebuilt = new FakeNode(certs, member.config, member.registry); // the old disk is gone: no cleanup ran
    try {
      await rebuilt.runAll("post_install", "config", "init", "cluster_join", "cluster_join");
      expect(clusterCommands(rebuilt)).toEqual([
        "cfy cluster nodes remove manager-1",
        `cfy cluster join --cluster-host-ip ${MEMBER_IP} --cluster-node-name manager-1 ${LEADER_IP}`,
      ]);
      // The removal went through the leader's profile, the join through the member's own.
      const profiles = rebuilt.commandLines().filter((line) => /^cfy (profiles use|cluster (nodes remove|join))/.test(line));
      const removal = profiles.indexOf("cfy cluster nodes remove manager-1");
      expect(profiles.slice(removal - 1, removal + 3)).toEqual([
        `cfy profiles use ${LEADER_IP} --ssl`, "cfy cluster nodes remove manager-1",
        `cfy profiles use ${MEMBER_IP} --ssl`, expect.stringMatching(/^cfy cluster join/)]);
      expect(leader.registryContent().clusters[LEADER_IP].map((node) => node.name)).toEqual(["manager-0", "manager-1"]);
    } finally {
      rebuilt.remove();
    }
  });

  it("retries a failed join with backoff and succeeds", async () => {
    await leader.runAll("cluster_start");
    member.setState({ failJoins: 2 });
    const result = await member.run("cluster_join");
    expect(result.code).toBe(0);
    expect(clusterCommands(member).filter((line) => line.startsWith("cfy cluster join"))).toHaveLength(3);
  });

  it("fails after bounded retries, naming the reason, when the leader has not started the cluster", async () => {
    const result = await member.run("cluster_join");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`cmom-node-setup cluster_join: cfy cluster join ${LEADER_IP} failed after 3 attempts: ` +
      "This manager is not part of a Cloudify Manager cluster\n");
    expect(clusterCommands(member)).toEqual([]);
  });

  it("needs cluster keys in node.json", async () => {
    member.writeConfig({ cluster: null });
    const result = await member.run("cluster_join");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/config has no 'cluster' object/);
    member.writeConfig({ cluster: { role: "member", nodeName: "manager-1" } });
    expect((await member.run("cluster_join")).stderr).toMatch(/key 'cluster.leaderIp' must be a non-empty string/);
  });
});
