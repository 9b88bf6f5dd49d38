import { describe, expect, it } from "vitest";
import { bareAddress, recordTypeOf } from "../../components/dns/recordValue";
import type { RecordedResource } from "../../scripts/plan/recordingMocks";
import { exampleNamespaces } from "../support/exampleStacks";
import { named, ofType } from "../support/resources";
import { runProgram } from "../support/runProgram";

const PORT = "openstack:networking/port:Port";
const SERVER = "openstack:compute/instance:Instance";
const FIP = "openstack:networking/floatingIp:FloatingIp";
const FIP_ASSOC = "openstack:networking/floatingIpAssociate:FloatingIpAssociate";
const RULE = "openstack:networking/secGroupRule:SecGroupRule";
const RECORD = "openstack:dns/recordSet:RecordSet";

const idOf = (r: RecordedResource) => `${r.name}-id`;

function expectUniqueUrns(resources: readonly RecordedResource[]) {
  const urns = resources.map((r) => r.urn);
  expect(new Set(urns).size).toBe(urns.length);
}

describe("pool mode", async () => {
  const ns = exampleNamespaces("pool") as Record<string, any>;
  const { resources, exports } = await runProgram(ns);

  it("gives each node its pool address on its port and its pool hostname as server name", () => {
    ns.openstack.resourcePool.forEach((entry: { ipAddress: string; hostname: string }, i: number) => {
      const port = named(resources, `test-node-${i}-port`);
      const server = named(resources, `test-node-${i}-server`);
      expect(port.inputs.fixedIps).toEqual([{ subnetId: "looked-up-mgmt-subnet", ipAddress: entry.ipAddress }]);
      expect(port.inputs.networkId).toBe("looked-up-mgmt-net");
      expect(server.inputs.name).toBe(entry.hostname);
      expect(server.inputs.networks).toEqual([{ port: idOf(port) }]);
    });
    expect(ofType(resources, FIP)).toHaveLength(0);
  });

  it("puts every server in one server group with the configured policy", () => {
    const group = named(resources, "test-servers");
    expect(group.inputs.policies).toEqual(["anti-affinity"]);
    for (const server of ofType(resources, SERVER)) expect(server.inputs.schedulerHints).toEqual([{ group: idOf(group) }]);
  });

  it("boots from the configured volume and passes no image", () => {
    for (const server of ofType(resources, SERVER)) {
      expect(server.inputs.imageName).toBeUndefined();
      expect(server.inputs.blockDevices).toEqual([{ bootIndex: 0, uuid: "41a1f177-1fb0-4708-a5f1-64f4c88dfec5", volumeSize: 60, sourceType: "image", destinationType: "volume", deleteOnTermination: true }]);
      expect(server.inputs.availabilityZone).toBe("nova");
    }
  });

  it("opens exactly what a Cloudify 4.x HA cluster needs", () => {
    const group = named(resources, "test-members");
    const rules = ofType(resources, RULE).map((r) => {
      expect(r.inputs).toMatchObject({ securityGroupId: idOf(group), direction: "ingress", ethertype: "IPv4" });
      expect(r.inputs.portRangeMin).toBe(r.inputs.portRangeMax);
      const source = r.inputs.remoteGroupId === idOf(group) ? "members" : String(r.inputs.remoteIpPrefix);
      return `${r.inputs.portRangeMin}/${r.inputs.protocol} from ${source}`;
    });
    const operator = ["10.0.0.0/8", "192.168.50.0/24"].flatMap((cidr) => [22, 80, 443].map((port) => `${port}/tcp from ${cidr}`));
    const agents = [5671, 53229, 53333].map((port) => `${port}/tcp from 192.0.2.0/24`);
    const members = ["8300/tcp", "8301/tcp", "8301/udp", "8500/tcp", "15432/tcp", "22000/tcp"].map((p) => `${p} from members`);
    expect(rules.sort()).toEqual([...operator, ...agents, ...members].sort());
  });

  it("attaches the managed group and the configured existing ones to every port", () => {
    for (const port of ofType(resources, PORT)) expect(port.inputs.securityGroupIds).toEqual(["test-members-id", "looked-up-default"]);
  });

  it("creates the zone with its trailing dot, one A record per node and one for the entry point", () => {
    const zone = named(resources, "test-dns-zone");
    expect(zone.inputs).toMatchObject({ name: "cloud.example.com.", email: "hostmaster@example.com", ttl: 300 });
    const records = ofType(resources, RECORD);
    expect(records.map((r) => r.inputs.name).sort()).toEqual(["cfy-eu-1.cloud.example.com.", "cfy-eu-2.cloud.example.com.", "cfy-eu-3.cloud.example.com.", "cloudify.cloud.example.com."]);
    for (const r of records) expect(r.inputs).toMatchObject({ zoneId: idOf(zone), type: "A", ttl: 300 });
    expect(named(resources, "test-dns-cfy-eu-2").inputs.records).toEqual(["10.20.0.12"]);
    expect(named(resources, "test-dns-cloudify").inputs.records).toEqual(["10.20.0.11", "10.20.0.12", "10.20.0.13"]);
  });

  it("exports clusterIps with the first node as master, and each node", async () => {
    const { resolveExports } = await import("../../scripts/plan/recordingMocks");
    const out = await resolveExports(exports);
    expect(out.clusterIps).toEqual({ master: "10.20.0.11", slaves: ["10.20.0.12", "10.20.0.13"] });
    expect((out.nodes as unknown[])[1]).toEqual({ name: "cfy-eu-2", privateIp: "10.20.0.12", publicIp: "10.20.0.12", fqdn: "cfy-eu-2.cloud.example.com" });
  });

  it("registers unique URNs", () => expectUniqueUrns(resources));
});

describe("floating mode", async () => {
  const ns = exampleNamespaces("floating");
  const { resources, exports } = await runProgram(ns);

  it("allocates a floating IP per node from the floating network and associates it with that node's port", () => {
    for (const i of [0, 1]) {
      const fip = named(resources, `test-node-${i}-fip`);
      expect(fip.inputs.pool).toBe("public");
      const assoc = named(resources, `test-node-${i}-fip-assoc`);
      expect(assoc.inputs.portId).toBe(idOf(named(resources, `test-node-${i}-port`)));
      expect(assoc.dependsOn).toContain(fip.urn);
      expect(named(resources, `test-node-${i}-server`).inputs).toMatchObject({ name: `cfy-float-${i}`, imageName: "CentOS-7-x86_64-GenericCloud", flavorName: "m1.large", keyPair: "cmom-operator" });
    }
    expect(ofType(resources, FIP_ASSOC)).toHaveLength(2);
    expect(ofType(resources, "openstack:dns/zone:Zone")).toHaveLength(0);
  });

  it("reports the floating addresses as the public ones", async () => {
    const { resolveExports } = await import("../../scripts/plan/recordingMocks");
    const out = await resolveExports(exports) as { clusterIps: { master: string }; nodes: { publicIp: string; privateIp: string }[] };
    const fip0 = named(resources, "test-node-0-fip");
    expect(out.nodes[0]!.publicIp).not.toBe(out.nodes[0]!.privateIp);
    expect(out.clusterIps.master).toBe(out.nodes[0]!.publicIp);
    expect(fip0.type).toBe(FIP);
  });

  it("registers unique URNs", () => expectUniqueUrns(resources));
});

describe("private mode", async () => {
  const { resources } = await runProgram(exampleNamespaces("private"));

  it("builds one node on a plain port, without floating IP or fixed address", () => {
    expect(ofType(resources, SERVER)).toHaveLength(1);
    expect(ofType(resources, FIP)).toHaveLength(0);
    expect(named(resources, "test-node-0-port").inputs.fixedIps).toEqual([{ subnetId: "looked-up-private-subnet" }]);
  });
});

describe("existing DNS zone", async () => {
  const ns = exampleNamespaces("floating") as Record<string, any>;
  ns.dns = { zone: "ops.example.org.", nodeRecords: ["mgr-a", "mgr-b"], entryPoint: "mgr" };
  const { resources } = await runProgram(ns);

  it("looks the zone up instead of creating it and uses the configured record names", () => {
    expect(ofType(resources, "openstack:dns/zone:Zone")).toHaveLength(0);
    const records = ofType(resources, RECORD);
    expect(records.map((r) => r.inputs.name).sort()).toEqual(["mgr-a.ops.example.org.", "mgr-b.ops.example.org.", "mgr.ops.example.org."]);
    for (const r of records) expect(r.inputs.zoneId).toBe("looked-up-ops.example.org.");
  });
});

describe("DNS record values", () => {
  it("strips IPv6 brackets and picks the record type", () => {
    expect(bareAddress("[fd00::1]")).toBe("fd00::1");
    expect(bareAddress("10.0.0.1")).toBe("10.0.0.1");
    expect(recordTypeOf(["[fd00::1]", "fd00::2"])).toBe("AAAA");
    expect(recordTypeOf(["10.0.0.1"])).toBe("A");
    expect(() => recordTypeOf(["10.0.0.1", "fd00::1"])).toThrow(/cannot publish IPv4 and IPv6/);
  });
});
