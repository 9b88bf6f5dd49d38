// Nodes of a Cloudify 5.1 … 7.0 cluster for the cmom-role tests: each a root directory with the per-version fakes of rpm,
// yum, curl, cfy_manager and cfy on its PATH (fake_modern.py) and its config files written as cmom writes them; the
// fakes' cluster registry is shared, as the nodes' clusters would be.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { NodeRole, Topology } from "../../../components/config/clusterTopology";
import { roleInstallerFacts } from "../../../components/install/modern/installerVersions";
import { roleConfig, type ClusterCredentials } from "../../../components/install/modern/roleConfig";
import { roleLayout } from "../../../components/install/modern/roleLayout";

export const TOOL = path.resolve(__dirname, "../../../components/install/modern/cmom-role");
const FAKE = path.resolve(__dirname, "fake_modern.py");
const HELPER = path.resolve(__dirname, "../../../components/install/node-setup/cmom-node-setup-helper.py");
export const ADMIN_PASSWORD = "Adm1n-Secret-5521";
export const URL_TOKEN = "tok-7f3e9a";

export const CREDENTIALS: ClusterCredentials = {
  rabbitmqUsername: "mquser", rabbitmqPassword: "mqpass-1", erlangCookie: "cookie", postgresPassword: "pgpass-1", etcdClusterToken: "token",
  etcdRootPassword: "etcdroot", etcdPatroniPassword: "etcdpatroni", patroniRestPassword: "patronirest", replicatorPassword: "replicator",
  prometheusUsername: "promuser", prometheusPassword: "prompass",
};

/** A bin directory with the fakes of rpm, yum, curl, cfy_manager and cfy, where a node has the real ones. */
export function makeRoleFakeBin(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const cmd of ["rpm", "yum", "curl", "cfy_manager", "cfy"]) {
    if (!fs.existsSync(path.join(dir, cmd))) fs.symlinkSync(FAKE, path.join(dir, cmd));
  }
  return dir;
}

export interface Run { code: number; stdout: string; stderr: string }
export type FakeCall = { cmd: string; argv: string[] };

/**
 * `roles.length` nodes (10.0.0.1 …, named node-0 …) in `dir`, laid out as the stack lays them out; `installAll` runs every
 * install in the plan's order.
 */
export function roleNodes(dir: string, version: string, topology: Topology = "all-in-one", roles: readonly NodeRole[] = ["all", "all", "all"]) {
  const registry = path.join(dir, "registry.json");
  const layout = roleLayout(topology, roles.length, roles);
  const ip = (index: number) => `10.0.0.${index + 1}`;
  const placed = (role: string) => layout.filter((i) => i.role === role).map((i) => ({ name: i.name, privateIp: ip(i.nodeIndex) }));
  const nodes = roles.map((_, index) => {
    const root = path.join(dir, `node-${index}`);
    const bin = makeRoleFakeBin(path.join(root, "fakebin"));
    fs.mkdirSync(path.join(root, "etc/cloudify"), { recursive: true });
    for (const instance of layout.filter((i) => i.nodeIndex === index)) {
      const config = roleConfig({
        instance, node: { hostname: `node-${index}`, privateIp: ip(index), publicIp: `192.0.2.${index + 1}` },
        databases: placed("database"), brokers: placed("broker"), credentials: CREDENTIALS,
        admin: { username: "admin", password: ADMIN_PASSWORD }, facts: roleInstallerFacts(version), additionalConfig: {},
      });
      fs.writeFileSync(path.join(root, `etc/cloudify/${instance.name}_config.yaml`), JSON.stringify(config));
    }
    const env = { PATH: `${bin}:/usr/bin:/bin`, CMOM_ROOT: root, CMOM_HELPER: HELPER, FAKE_REGISTRY: registry, FAKE_VERSION: version };
    const run = (args: string[], input = "", extraEnv: Record<string, string> = {}): Run => {
      const r = spawnSync("bash", [TOOL, ...args], { env: { ...env, ...extraEnv }, input, encoding: "utf8" });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    const calls = (): FakeCall[] => {
      const file = path.join(root, "fake/calls.jsonl");
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l)) : [];
    };
    const state = (patch: Record<string, unknown>) => {
      const file = path.join(root, "fake/state.json");
      const current = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ ...current, ...patch }));
    };
    const readState = (): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(root, "fake/state.json"), "utf8"));
    const installer = () => run(["installer", version], `https://repo.example/cloudify-manager-install-${version}.rpm?token=${URL_TOKEN}\n\n`);
    const log = () => fs.readFileSync(path.join(root, "var/log/cmom/role.log"), "utf8");
    const installed = () => fs.existsSync(path.join(root, "etc/cloudify/.installed")) ? fs.readdirSync(path.join(root, "etc/cloudify/.installed")).sort() : [];
    return { root, ip: ip(index), env, run, calls, state, readState, installer, log, installed };
  });
  const reg = () => JSON.parse(fs.readFileSync(registry, "utf8"));
  /** Every install in the order the plan runs them (databases, brokers, managers). */
  const installAll = () => {
    for (const node of nodes) {
      const r = node.installer();
      if (r.code !== 0) throw new Error(r.stderr);
    }
    for (const instance of layout) {
      const r = nodes[instance.nodeIndex]!.run(["install", instance.name, instance.services[0]!]);
      if (r.code !== 0) throw new Error(`${instance.name}: ${r.stderr}`);
    }
  };
  return { nodes, reg, installAll, layout };
}

/**
 * The nodes of `roleNodes` with every install done: installed once per version and layout (under `cache`), copied into
 * `dir` for each caller. A copy is the same cluster: the nodes' state and registry hold no path of their own.
 */
export function installedRoleNodes(cache: string, dir: string, version: string, topology: Topology = "all-in-one",
  roles: readonly NodeRole[] = ["all", "all", "all"]) {
  const installed = path.join(cache, [version, topology, ...roles].join("-"));
  if (!fs.existsSync(installed)) {
    const building = fs.mkdtempSync(`${installed}.building-`);
    roleNodes(building, version, topology, roles).installAll();
    fs.renameSync(building, installed);
  }
  fs.cpSync(installed, dir, { recursive: true, verbatimSymlinks: true });
  return roleNodes(dir, version, topology, roles);
}

export const count = (calls: FakeCall[], cmd: string, ...argv: string[]) =>
  calls.filter((c) => c.cmd === cmd && argv.every((a, i) => c.argv[i] === a)).length;
