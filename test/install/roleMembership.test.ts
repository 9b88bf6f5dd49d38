// Scale-out and scale-in as the stack runs them: the membership provider (loaded as the engine loads it) runs the commands
// the stack gives it over `ssh` against fake nodes of Cloudify 5.1, 6.4 and 7.0 (fake_modern.py: cfy_manager and cfy as the
// official sources at those tags behave), so each command's order and effect on the clusters is checked.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { NodeRole } from "../../components/config/clusterTopology";
import { membershipProvider, type MembershipProps } from "../../components/install/modern/membershipProvider";
import { membershipCommands, type MemberNode } from "../../components/install/modern/roleMembership";
import { isAdded } from "../../components/install/modern/roleLayout";
import { shellQuote } from "../../components/install/nodePaths";
import { count, installedRoleNodes, TOOL } from "./fakes/roleNodes";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-membership-"));
const fakeBin = path.join(scratch, "bin");
const hostsDir = path.join(scratch, "hosts");
const installedCache = path.join(scratch, "installed");
const originalPath = process.env.PATH;
afterAll(() => {
  process.env.PATH = originalPath;
  fs.rmSync(scratch, { recursive: true, force: true });
});

/**
 * An `ssh` that runs the command on the fake node named by its host (the node's environment in hosts/<host>.env), as root
 * without sudo, with the tool at its place in the checkout; an unknown host is unreachable (ssh's exit 255).
 */
const FAKE_SSH = `#!/bin/bash
while [ "$1" != "--" ]; do target=$1; shift; done
shift
host=\${target#*@}
[ -f "$FAKE_HOSTS/$host.env" ] || { echo "ssh: connect to host $host port 22: No route to host" >&2; exit 255; }
command=\${1#sudo -n }
command=\${command//\\/opt\\/cmom\\/bin\\/cmom-role/$FAKE_TOOL}
set -a; . "$FAKE_HOSTS/$host.env"; set +a
exec bash -c "$command"
`;

let provider: dynamic.ResourceProvider<MembershipProps, MembershipProps>;

beforeAll(async () => {
  fs.mkdirSync(fakeBin);
  fs.mkdirSync(hostsDir);
  fs.mkdirSync(installedCache);
  fs.writeFileSync(path.join(fakeBin, "ssh"), FAKE_SSH, { mode: 0o755 });
  process.env.PATH = `${fakeBin}:${originalPath}`;
  process.env.FAKE_HOSTS = hostsDir;
  process.env.FAKE_TOOL = TOOL;
  const serialized = await pulumi.runtime.serializeFunction(() => membershipProvider, { allowSecrets: true });
  provider = require("require-from-string")(serialized.text).handler();
});

const resolved = <T>(value: pulumi.Input<T>): Promise<T> => new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));

/**
 * Fake nodes as `roles` lays them out, every role installed, each reachable as host 192.0.2.<n+1>, and the membership
 * props of each added instance.
 */
async function clusterOf(version: string, roles: NodeRole[]) {
  const dir = fs.mkdtempSync(path.join(scratch, `v${version}-`));
  const built = installedRoleNodes(installedCache, dir, version, "all-in-one", roles);
  const host = (index: number) => `192.0.2.${index + 1}-${path.basename(dir)}`;
  built.nodes.forEach((node, index) => {
    fs.writeFileSync(path.join(hostsDir, `${host(index)}.env`), Object.entries(node.env).map(([k, v]) => `${k}=${shellQuote(v)}`).join("\n") + "\n");
  });
  const members: MemberNode[] = built.nodes.map((_, index) => ({
    route: { host: host(index), port: 22, user: "root", privateKey: "test-key" },
    tool: (...words: string[]) => `sudo -n bash /opt/cmom/bin/cmom-role ${words.map(shellQuote).join(" ")}`,
  }));
  const memberOf = (role: string) => built.layout.filter((i) => i.role === role).map((i) => members[i.nodeIndex]!);
  const membership = async (name: string): Promise<MembershipProps> => {
    const instance = built.layout.find((i) => i.name === name)!;
    expect(isAdded(instance)).toBe(true);
    return resolved(membershipCommands({
      instance,
      node: { ...members[instance.nodeIndex]!, name: `node-${instance.nodeIndex}`, privateIp: built.nodes[instance.nodeIndex]!.ip },
      firstDatabase: memberOf("database")[0]!, firstBroker: memberOf("broker")[0]!, managers: memberOf("manager"),
    }) as unknown as pulumi.Input<MembershipProps>);
  };
  const unreachable = (index: number) => fs.rmSync(path.join(hostsDir, `${host(index)}.env`));
  return { ...built, membership, unreachable };
}

describe.each(["5.1.4", "6.4.0", "7.0.0"])("scale-out and scale-in on Cloudify %s", (version) => {
  it("a fourth manager joins by its install; deleted, it is removed from the cluster on manager-1, then removed itself; a rerun converges", async () => {
    const { nodes, reg, membership } = await clusterOf(version, ["all", "all", "all", "manager"]);
    const props = await membership("manager-4");
    await provider.create(props);
    expect(Object.keys(reg().managers).sort()).toEqual(["node-0", "node-1", "node-2", "node-3"]);
    await provider.delete!("id", props);
    expect(Object.keys(reg().managers).sort()).toEqual(["node-0", "node-1", "node-2"]);
    expect(nodes[3]!.installed()).toEqual([]);
    // Unregistered through manager-1 (cfy cluster remove), removed on its own node (cfy_manager remove).
    expect(count(nodes[0]!.calls(), "cfy", "cluster", "remove", "node-3")).toBe(1);
    expect(count(nodes[3]!.calls(), "cfy_manager", "remove")).toBe(1);
    await provider.delete!("id", props);
    expect(nodes[0]!.run(["status"]).code).toBe(0);
  });

  it("a fourth broker is registered with the managers once; deleted, it shuts down, then the broker cluster and the managers forget it", async () => {
    const { reg, membership, nodes } = await clusterOf(version, ["all", "all", "all", "broker"]);
    const props = await membership("rabbitmq-4");
    await provider.create(props);
    await provider.create(props);
    expect(reg().registeredBrokers).toEqual(["rabbitmq-1", "rabbitmq-2", "rabbitmq-3", "rabbitmq-4"]);
    expect(count(nodes[0]!.calls(), "cfy", "cluster", "brokers", "add")).toBe(2);
    await provider.delete!("id", props);
    expect(Object.keys(reg().brokers).sort()).toEqual(["rabbitmq-1", "rabbitmq-2", "rabbitmq-3"]);
    expect(reg().registeredBrokers).toEqual(["rabbitmq-1", "rabbitmq-2", "rabbitmq-3"]);
    expect(nodes[0]!.run(["status"]).code).toBe(0);
  });

  it("a fourth database node is added to every manager's list; deleted, it leaves etcd/Patroni and every manager's list, then is removed", async () => {
    const { reg, membership, nodes } = await clusterOf(version, ["all", "all", "all", "database"]);
    const props = await membership("postgresql-4");
    await provider.create(props);
    for (const manager of nodes.slice(0, 3)) expect(manager.readState().restDbHosts).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]);
    await provider.delete!("id", props);
    expect(Object.keys(reg().databases).sort()).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    for (const manager of nodes.slice(0, 3)) expect(manager.readState().restDbHosts).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    expect(nodes[3]!.installed()).toEqual([]);
    // 5.1 has no `cfy cluster db-nodes update` (cloudify-cli commands/cluster.py from 5.2.0).
    expect(count(nodes[0]!.calls(), "cfy", "cluster", "db-nodes", "update")).toBe(version.startsWith("5.1") ? 0 : 1);
  });
});

describe("unreachable nodes", () => {
  it("a lost leaving node is skipped with a warning and the cluster still forgets it", async () => {
    const { reg, membership, unreachable } = await clusterOf("7.0.0", ["all", "all", "all", "manager"]);
    const props = await membership("manager-4");
    unreachable(3);
    const warn = vi.spyOn(pulumi.log, "warn").mockResolvedValue(undefined as never);
    await provider.delete!("id", props);
    expect(Object.keys(reg().managers).sort()).toEqual(["node-0", "node-1", "node-2"]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("cleanup of the leaving node skipped"));
  });

  it("a staying node that cannot be reached stops the scale-in, naming it (a rerun goes on from there)", async () => {
    const { membership, unreachable, nodes } = await clusterOf("7.0.0", ["all", "all", "all", "manager"]);
    const props = await membership("manager-4");
    unreachable(0);
    await expect(provider.delete!("id", props)).rejects.toThrow(/cmom-role 'forget' 'manager' 'node-3' '10.0.0.4' on 192.0.2.1-.* failed \(exit 255\): ssh: connect to host/);
    expect(nodes[3]!.installed()).not.toEqual([]);
  });
});
