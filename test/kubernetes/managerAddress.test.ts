// Images configured at build (4.3 … 5.0.x) carry an address setter that writes the pod's changing IP into the manager's
// configuration, database and certificates: cmom makes it write the pod's stable name on every start. systemd-generation
// images refuse a cgroup v2-only node with the reason, before touching the volume.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { imageRowFor } from "../../components/kubernetes/imageTable";
import type { RecordedResource } from "../../scripts/plan/recordingMocks";
import { HookSandbox } from "./fixtures/hookSandbox";
import { k8sStack, manifestOf, runK8s } from "./fixtures/k8sStack";

const STABLE_NAME = "cloudify-manager-0.cloudify-manager-headless.cloudify.svc.cluster.local";
const setter = imageRowFor("5.0.5")!.addressSetter!;

type Mutable = Record<string, any>;
const managerEnv = (resources: RecordedResource[]) => {
  const sts = manifestOf(resources.find((r) => r.name === "test-statefulset")!);
  return Object.fromEntries(sts.spec.template.spec.containers[0].env.map((e: Mutable) => [e.name, e.value])) as Record<string, string>;
};

let boxes: HookSandbox[] = [];
afterEach(() => {
  boxes.forEach((b) => b.remove());
  boxes = [];
});
function sandbox(): HookSandbox {
  const box = new HookSandbox();
  boxes.push(box);
  return box;
}

/**
 * A stand-in for the image's address setter, shaped as the one the images ship: it detects the pod's address in one
 * `ip=$(…)` line, skips its work when its done-marker exists, and writes the address into a service's settings and
 * appends it to the rows it updates.
 */
function fakeSetter(box: HookSandbox, detection = 'ip=$(cat "$FAKE_POD_IP")'): { script: string; done: string; settings: string; rows: string } {
  const script = path.join(box.root, "image/opt/setter/manager-ip-setter.sh");
  const done = path.join(box.root, "image/opt/setter/touched");
  const settings = path.join(box.root, "image/etc/sysconfig/cloudify-mgmtworker");
  const rows = path.join(box.state, "address-rows");
  fs.mkdirSync(path.dirname(script), { recursive: true });
  fs.mkdirSync(path.dirname(settings), { recursive: true });
  fs.writeFileSync(settings, 'REST_HOST="172.17.0.2"\n'); // the build container's address
  fs.writeFileSync(script, [
    "#!/usr/bin/env bash",
    "set -e",
    "apply() {",
    `  ${detection}`,
    `  sed -i -e "s/REST_HOST=.*/REST_HOST=\\"\${ip}\\"/" ${settings}`,
    `  echo "\${ip}" >> ${rows}`,
    "}",
    `if [ ! -f ${done} ]; then apply; touch ${done}; fi`,
    "",
  ].join("\n"));
  return { script, done, settings, rows };
}

/** What systemd would run for the unit: the drop-in's last ExecStart with its Environment lines. */
function runUnit(box: HookSandbox, systemdDir: string, podIp: string) {
  const dropIn = fs.readFileSync(path.join(systemdDir, `${setter.unit}.d`, "cmom-address.conf"), "utf8").split("\n");
  const execStart = dropIn.filter((l) => l.startsWith("ExecStart=")).at(-1)!.slice("ExecStart=".length).split(" ");
  const unitEnv = Object.fromEntries(dropIn.filter((l) => l.startsWith("Environment=")).map((l) => l.slice("Environment=".length).split(/=(.*)/s).slice(0, 2)));
  const ipFile = path.join(box.state, "pod-ip");
  fs.writeFileSync(ipFile, podIp);
  return spawnSync(execStart[0]!, execStart.slice(1), { env: { PATH: "/usr/bin:/bin", FAKE_POD_IP: ipFile, ...unitEnv }, encoding: "utf8", timeout: 30_000 });
}

describe("the manager's address is the pod's stable name on every start (images configured at build)", () => {
  let byVersion: Record<string, RecordedResource[]>;
  beforeAll(async () => {
    byVersion = {};
    for (const [version, generation] of [["5.0.5", "systemd"], ["4.3", "systemd"], ["5.1.4", "systemd"], ["7.0.0", "modern"]] as const) {
      byVersion[version] = (await runK8s(k8sStack((ns) => {
        ns.kubernetes.image = `cloudifyplatform/premium-cloudify-manager-aio:${version}`;
        ns.kubernetes.imageVersion = version;
        ns.kubernetes.imageGeneration = generation;
      }))).resources;
    }
  });

  it("gives 4.3 … 5.0.x pods the stable name and the image's setter; images configuring on start get their config instead", () => {
    for (const version of ["4.3", "5.0.5"]) {
      expect(managerEnv(byVersion[version]!)).toMatchObject({
        CMOM_MANAGER_ADDRESS: STABLE_NAME,
        CMOM_ADDRESS_SETTER_UNIT: "cloudify-manager-ip-setter.service",
        CMOM_ADDRESS_SETTER_SCRIPT: "/opt/cloudify/manager-ip-setter/manager-ip-setter.sh",
        CMOM_ADDRESS_SETTER_DONE: "/opt/cloudify/manager-ip-setter/touched",
      });
    }
    for (const version of ["5.1.4", "7.0.0"]) expect(managerEnv(byVersion[version]!).CMOM_ADDRESS_SETTER_UNIT).toBeUndefined();
    const scripts = manifestOf(byVersion["5.0.5"]!.find((r) => r.name === "test-scripts")!);
    expect(Object.keys(scripts.data)).toContain("set-manager-address.sh");
  });

  it("writes the stable name, not the pod's IP, in every pod, and again after a start killed half-way", () => {
    const box = sandbox();
    const fake = fakeSetter(box);
    const systemdDir = path.join(box.root, "systemd");
    const env = { CMOM_SYSTEMD_DIR: systemdDir, CMOM_MANAGER_ADDRESS: STABLE_NAME, CMOM_ADDRESS_SETTER_UNIT: setter.unit, CMOM_ADDRESS_SETTER_SCRIPT: fake.script, CMOM_ADDRESS_SETTER_DONE: fake.done };
    const first = box.startManager(env);
    expect(first.status, first.stderr).toBe(0);
    expect(fs.readlinkSync(path.join(systemdDir, "default.target.wants", setter.unit))).toBe(`/usr/lib/systemd/system/${setter.unit}`);
    expect(runUnit(box, systemdDir, "10.42.0.17").status).toBe(0);
    expect(fs.readFileSync(fake.settings, "utf8")).toBe(`REST_HOST="${STABLE_NAME}"\n`);

    // A restart whose setter had finished before the kill (done-marker present) runs it again; a new pod with another IP too.
    const again = box.startManager(env);
    expect(again.status, again.stderr).toBe(0);
    expect(runUnit(box, systemdDir, "10.42.3.9").status).toBe(0);
    expect(fs.readFileSync(fake.rows, "utf8")).toBe(`${STABLE_NAME}\n${STABLE_NAME}\n`);
    expect(fs.readFileSync(fake.settings, "utf8")).not.toContain("10.42.");
  });

  it("refuses a setter that does not detect the address in one ip=$(…) line, changing nothing", () => {
    const box = sandbox();
    const fake = fakeSetter(box, 'ip="$(cat "$FAKE_POD_IP")"');
    const systemdDir = path.join(box.root, "systemd");
    expect(box.startManager({ CMOM_SYSTEMD_DIR: systemdDir, CMOM_MANAGER_ADDRESS: STABLE_NAME, CMOM_ADDRESS_SETTER_UNIT: setter.unit, CMOM_ADDRESS_SETTER_SCRIPT: fake.script, CMOM_ADDRESS_SETTER_DONE: fake.done }).status).toBe(0);
    const unit = runUnit(box, systemdDir, "10.42.0.17");
    expect(unit.status).toBe(1);
    expect(unit.stderr).toContain(`${fake.script} has 0 lines detecting the address (ip=$(…)), expected 1`);
    expect(fs.readFileSync(fake.settings, "utf8")).toBe('REST_HOST="172.17.0.2"\n');
  });

  it("refuses an address that is not a DNS name", () => {
    const box = sandbox();
    const fake = fakeSetter(box);
    const systemdDir = path.join(box.root, "systemd");
    expect(box.startManager({ CMOM_SYSTEMD_DIR: systemdDir, CMOM_MANAGER_ADDRESS: "a/b", CMOM_ADDRESS_SETTER_UNIT: setter.unit, CMOM_ADDRESS_SETTER_SCRIPT: fake.script, CMOM_ADDRESS_SETTER_DONE: fake.done }).status).toBe(0);
    const unit = runUnit(box, systemdDir, "10.42.0.17");
    expect(unit.stderr).toContain("CMOM_MANAGER_ADDRESS 'a/b' is not a DNS name");
    expect(unit.status).toBe(1);
  });
});

describe("cgroup v2-only nodes and the systemd generation", () => {
  it("marks systemd-generation pods (4.3 … 5.1.x) as needing cgroup v1, and no supervisord pod", async () => {
    const systemd = managerEnv((await runK8s(k8sStack())).resources);
    expect(systemd.CMOM_NEEDS_CGROUP_V1).toBe("1");
    const modernImage = managerEnv((await runK8s(k8sStack(undefined, "k8s-modern"))).resources);
    expect(modernImage.CMOM_NEEDS_CGROUP_V1).toBeUndefined();
  });

  it("refuses to start on a cgroup v2-only node, saying why, before touching the volume", () => {
    const box = sandbox();
    const cgroups = path.join(box.root, "cgroup");
    fs.mkdirSync(cgroups);
    fs.writeFileSync(path.join(cgroups, "cgroup.controllers"), "cpuset cpu io memory pids\n"); // the unified hierarchy's root
    const refused = box.startManager({ CMOM_NEEDS_CGROUP_V1: "1", CMOM_CGROUP_ROOT: cgroups });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("needs cgroup v1: the node has cgroup v2 only");
    expect(fs.readdirSync(path.join(box.root, "volume"))).toEqual([]);
  });

  it("starts on a cgroup v1 or hybrid node (v2 only below unified/), and a supervisord image on any", () => {
    const box = sandbox();
    const cgroups = path.join(box.root, "cgroup");
    fs.mkdirSync(path.join(cgroups, "systemd"), { recursive: true });
    fs.mkdirSync(path.join(cgroups, "unified"));
    fs.writeFileSync(path.join(cgroups, "unified", "cgroup.controllers"), "");
    expect(box.startManager({ CMOM_NEEDS_CGROUP_V1: "1", CMOM_CGROUP_ROOT: cgroups }).status).toBe(0);
    fs.writeFileSync(path.join(cgroups, "cgroup.controllers"), "");
    expect(box.startManager({ CMOM_CGROUP_ROOT: cgroups }).status).toBe(0);
  });
});
