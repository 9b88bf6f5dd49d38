// cmom:platform hosts: managers on machines that already exist, reached by SSH; everything after the servers as on OpenStack.
import { describe, expect, it } from "vitest";
import { resolveExports, revealSecrets, type RecordedResource } from "../../scripts/plan/recordingMocks";
import { exampleNamespaces } from "../support/exampleStacks";
import { problems, problemsAfter } from "../support/parseConfig";
import { named, ofType } from "../support/resources";
import { runPlanMain, runProgram } from "../support/runProgram";

const hostsStack = () => structuredClone(exampleNamespaces("hosts")) as Record<string, any>;
const nodeJson = (resources: RecordedResource[], node: number) =>
  JSON.parse(String(revealSecrets(named(resources, `test-install-node-${node}-node-json`).inputs.stdin)));
const connection = (resources: RecordedResource[], node: number) =>
  revealSecrets(named(resources, `test-install-node-${node}-post-install`).inputs.connection) as Record<string, any>;

describe("the hosts example stack", async () => {
  const ns = hostsStack();
  const { resources, exports } = await runProgram(ns);

  it("plans offline with npm run plan -- hosts", async () => {
    const run = await runPlanMain("hosts", "--json");
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).stack).toBe("hosts");
  });

  it("creates no cloud resources, installs one manager per host and forms the cluster from the first", () => {
    expect(resources.filter((r) => r.type.startsWith("openstack:"))).toEqual([]);
    expect(ofType(resources, "cmom:install:NodeInstall")).toHaveLength(3);
    expect(named(resources, "test-install-cluster-start").inputs.command).toContain("cluster_start");
    expect(named(resources, "test-install-cluster-join-2").inputs.command).toContain("cluster_join");
    expect(ofType(resources, "pulumi-nodejs:dynamic/cmom:NodeCleanup")).toHaveLength(3); // cleanup on destroy
  });

  it("gives each node its host's addresses, reaches it through the bastion, and pins the host key given", () => {
    ns.hosts.forEach((host: Record<string, string>, index: number) => {
      expect(nodeJson(resources, index)).toMatchObject({ nodeName: host.name, privateIp: host.privateAddress, publicIp: host.address });
      expect(connection(resources, index)).toMatchObject({ host: host.privateAddress, user: "centos", proxy: { host: "192.0.2.20" } });
    });
    expect(connection(resources, 0).hostKey).toBe(ns.hosts[0].hostKey);
    expect(connection(resources, 1).hostKey).toBeUndefined();
    expect(nodeJson(resources, 2).cluster).toEqual({ role: "member", leaderIp: "10.30.0.21", nodeName: "cfy-dc1-c" });
  });

  it("exports the hosts as the stack's nodes", async () => {
    expect((await resolveExports({ nodes: exports.nodes })).nodes).toEqual(ns.hosts.map((host: Record<string, string>) => ({
      name: host.name, privateIp: host.privateAddress, publicIp: host.address, fqdn: null })));
  });
});

describe("growing the hosts list", async () => {
  const before = await runProgram(hostsStack());
  const grown = hostsStack();
  grown.hosts.push({ name: "cfy-dc1-d", address: "192.0.2.24", privateAddress: "10.30.0.24" });
  const after = await runProgram(grown);

  it("adds and joins only the new host; the others keep every input", () => {
    const added = after.resources.filter((r) => !before.resources.some((b) => b.name === r.name)).map((r) => r.name);
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((name) => name.startsWith("test-install-node-3") || name === "test-install-cluster-join-3")).toBe(true);
    for (const node of [0, 1, 2]) {
      for (const part of ["node-json", "post-install", "init"]) {
        const name = `test-install-node-${node}-${part}`;
        expect(revealSecrets(named(after.resources, name).inputs)).toEqual(revealSecrets(named(before.resources, name).inputs));
      }
    }
  });
});

describe("cmom:hosts config problems, all reported at once", () => {
  it("names each problem with its key", () => {
    expect(problemsAfter("hosts", (ns) => {
      ns.hosts[1].address = "cfy-b.example.com";
      delete ns.hosts[1].privateAddress;
      ns.hosts[2].name = "cfy-dc1-a";
      ns.cluster.instances = 5;
      ns.cluster.hostKeys = { "cfy-dc1-z": "ssh-ed25519 AAAA" };
    })).toEqual([
      "cmom:hosts[1].privateAddress: required when address is not an IPv4 address (found 'cfy-b.example.com')",
      "cmom:hosts[2].name: 'cfy-dc1-a' is used by an earlier host",
      "cmom:cluster.hostKeys.cfy-dc1-z: no such host (hosts: cfy-dc1-a, cfy-dc1-b)",
      "cmom:cluster.instances: 5 but cmom:hosts lists 3 (leave it out: the hosts decide)",
    ]);
  });

  it("needs cmom:hosts and cmom:cluster, and takes no cloud namespace", () => {
    expect(problemsAfter("hosts", (ns) => {
      delete ns.hosts;
      ns.openstack = exampleNamespaces("pool").openstack;
    })).toEqual([
      "cmom:hosts: required when cmom:platform is hosts",
      "cmom:openstack: only used when cmom:platform is openstack",
    ]);
  });

  it("refuses passwords that redaction could not hide in logs (an everyday word of Cloudify's, or under 8 characters)", () => {
    expect(problemsAfter("hosts", (ns) => {
      ns.cluster.adminPassword = "Cloudify";
      ns.cluster.ldap = { server: "ldaps://ldap.example.com", username: "cn=reader", password: "s3cr3t", domain: "example.com" };
    })).toEqual([
      "cmom:cluster.adminPassword: is part of a word Cloudify prints all the time (its redaction would mask that word in every log)",
      "cmom:cluster.ldap.password: at least 8 characters (a shorter one cannot be told apart in logs)",
    ]);
  });

  it("refuses an empty list and unknown host keys", () => {
    expect(problems({ ...hostsStack(), hosts: [] })).toEqual(["cmom:hosts: needs at least one host"]);
    const ns = hostsStack();
    ns.hosts[0].port = 2222;
    expect(problems(ns).join("\n")).toMatch(/cmom:hosts\[0\].*port/);
  });
});
