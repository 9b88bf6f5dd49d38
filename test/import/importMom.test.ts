import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { migrateMomInputs } from "../../components/import/momInputs";
import { PLACEHOLDER } from "../../components/config/primitives";
import { PROJECT_DIR } from "../support/exampleStacks";
import { runPlanMain } from "../support/runProgram";
import { runScriptMain, runScriptProcess } from "../support/runScript";
import { importMomMain } from "../../scripts/import-mom";

const FIXTURES = path.join(__dirname, "fixtures");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-import-"));
/** The stack file beside the examples, in stacks/. */
const STACK_PATHS = { stackDir: path.join(PROJECT_DIR, "stacks"), projectDir: PROJECT_DIR };
const migrate = (yamlText: string) => migrateMomInputs(parse(yamlText), { inputsDir: FIXTURES, stackPaths: STACK_PATHS });

// The examples of the Manager of Managers README, as it prints them (its `install_rpm_path: :` typo corrected).
describe("import-mom maps the blueprint README's examples", () => {
  it("the Tier 2 files: the installer path, the CA certificate inline, the CA key and the SSH key as secrets read from their files", () => {
    const m = migrateMomInputs(parse(`
ca_cert: /etc/cloudify/ca_certificate.pem
ca_key: /etc/cloudify/ca_key.pem
ssh_private_key_path: /etc/cloudify/ssh_key
install_rpm_path: /etc/cloudify/cloudify-manager-install.rpm`), { inputsDir: FIXTURES, stackPaths: STACK_PATHS });
    expect(m.config["cmom:cluster"]).toMatchObject({ installRpm: "/etc/cloudify/cloudify-manager-install.rpm" });
    expect(m.secrets).toEqual([
      { input: "ssh_private_key_path", key: "cluster.sshPrivateKey", file: "/etc/cloudify/ssh_key" },
      { input: "ca_key", key: "cluster.caKey", file: "/etc/cloudify/ca_key.pem" },
    ]);
    // Not on this machine: said so, with the command that sets it.
    expect(m.notMigrated).toEqual([{ input: "ca_cert", reason: expect.stringContaining("pulumi config set --path cluster.caCert < /etc/cloudify/ca_certificate.pem") }]);
  });

  it("the resource pool: pool mode, one entry per address and host name", () => {
    const m = migrate(`
resource_pool:
    - ip_address: 10.0.0.5
      hostname: cfy-1
    - ip_address: 10.0.0.6
      hostname: cfy-2`);
    expect(m.config["cmom:openstack"]).toMatchObject({ ipMode: "pool", resourcePool: [{ ipAddress: "10.0.0.5", hostname: "cfy-1" }, { ipAddress: "10.0.0.6", hostname: "cfy-2" }] });
  });

  it("a floating network selects floating mode, nothing selects private mode", () => {
    expect(migrate("os_floating_network: public").config["cmom:openstack"]).toMatchObject({ ipMode: "floating", floatingNetwork: "public" });
    expect(migrate("os_flavor: m1").config["cmom:openstack"]).toMatchObject({ ipMode: "private" });
  });

  it("os_device_mapping becomes blockDevices, its string boot index a number", () => {
    const m = migrate(`
os_device_mapping:
  - boot_index: "0"
    uuid: "41a1f177-1fb0-4708-a5f1-64f4c88dfec5"
    volume_size: 30
    source_type: image
    destination_type: volume
    delete_on_termination: true`);
    expect((m.config["cmom:openstack"] as any).blockDevices).toEqual([{ bootIndex: 0, uuid: "41a1f177-1fb0-4708-a5f1-64f4c88dfec5", volumeSize: 30, sourceType: "image", destinationType: "volume", deleteOnTermination: true }]);
  });

  it("additional_config is kept as it is", () => {
    const m = migrate(`
additional_config:
  sanity:
    skip_sanity: true
  restservice:
    log:
      level: DEBUG
  mgmtworker:
    log_level: DEBUG`);
    expect((m.config["cmom:cluster"] as any).additionalConfig).toEqual({ sanity: { skip_sanity: true }, restservice: { log: { level: "DEBUG" } }, mgmtworker: { log_level: "DEBUG" } });
  });

  it("ldap_config: its password a secret, never in the result", () => {
    const m = migrate(`
ldap_config:
  server: SERVER
  username: USERNAME
  password: PASSWORD`);
    expect((m.config["cmom:cluster"] as any).ldap).toMatchObject({ server: "SERVER", username: "USERNAME" });
    expect((m.config["cmom:cluster"] as any).ldap.password).toMatch(PLACEHOLDER);
    expect(JSON.stringify(m.config)).not.toContain("PASSWORD");
    expect(m.secrets).toEqual([{ input: "ldap_config.password", key: "cluster.ldap.password" }]);
  });

  it("tenants, plugins, blueprints and deployments; URLs and archives are listed as not migrated", () => {
    const m = migrate(`
tenants: [t1, t2]
plugins:
  - wagon: /w1.wgn
    yaml: /p1.yaml
    tenant: t1
  - wagon: https://example.com/w2.wgn
    yaml: https://example.com/p2.yaml
    visibility: global
blueprints:
  - path: /bp/app/blueprint.yaml
    id: app
    tenant: t1
  - path: /bp/app.tar.gz
deployments:
  - deployment_id: d1
    blueprint_id: app
    inputs: /bp/inputs.yaml
    tenant: t1
    visibility: tenant`);
    const r = m.config["cmom:resources"] as any;
    expect(r.tenants).toEqual(["t1", "t2"]);
    expect(r.plugins).toEqual([{ wagon: "/w1.wgn", yaml: "/p1.yaml", tenant: "t1" }]);
    expect(r.blueprints).toEqual([{ path: "/bp/app/blueprint.yaml", id: "app", tenant: "t1" }]);
    expect(r.deployments).toEqual([{ deploymentId: "d1", blueprintId: "app", inputs: "/bp/inputs.yaml", tenant: "t1", visibility: "tenant" }]);
    expect(m.notMigrated.map((n) => n.input)).toEqual(["plugins[1]", "blueprints[1]"]);
  });

  it("local files named relative to the inputs file are named from the stack file's directory; absolute ones and URLs stay", () => {
    const m = migrate(`
install_rpm_path: ../../../installers/cloudify-manager-install.rpm
scripts: [patch.sh, /etc/cloudify/patch.sh]
files: [{src: ../../../examples/motd, dst: /etc/motd}]
plugins: [{wagon: ../../../plugins/p.wgn, yaml: /etc/cloudify/p.yaml}]
secrets: [{key: k, file: k.txt}]
blueprints: [{path: ../../../examples/blueprints/hello-world/blueprint.yaml}]
deployments: [{blueprint_id: hello-world, inputs: inputs.yaml}]
restore: true
snapshot_path: ../../../../snap.zip`);
    const cluster = m.config["cmom:cluster"] as any;
    const r = m.config["cmom:resources"] as any;
    expect(cluster.installRpm).toBe("../installers/cloudify-manager-install.rpm");
    expect(cluster.scripts).toEqual(["../test/import/fixtures/patch.sh", "/etc/cloudify/patch.sh"]);
    expect(cluster.files).toEqual([{ src: "../examples/motd", dst: "/etc/motd" }]);
    expect(r.plugins).toEqual([{ wagon: "../plugins/p.wgn", yaml: "/etc/cloudify/p.yaml" }]);
    expect(r.secrets).toEqual([{ key: "k", file: "../test/import/fixtures/k.txt" }]);
    expect(r.blueprints).toEqual([{ path: "../examples/blueprints/hello-world/blueprint.yaml" }]);
    expect(r.deployments[0].inputs).toBe("../test/import/fixtures/inputs.yaml");
    // Outside the project a relative path would be refused: the file is named by its absolute path.
    expect((m.config["cmom:restore"] as any).snapshotPath).toBe(path.resolve(PROJECT_DIR, "../snap.zip"));
  });

  it("secrets: a string is a secret to set, a file stays a path; the README's string-and-file entry is refused", () => {
    const m = migrate(`
secrets:
  - key: KEY_1
    string: STRING_1
    file: FILE_1
    visibility: tenant
  - key: k2
    string: value-2
  - key: k3
    file: /etc/cloudify/k3`);
    expect((m.config["cmom:resources"] as any).secrets).toEqual([{ key: "k2", string: expect.stringMatching(PLACEHOLDER) }, { key: "k3", file: "/etc/cloudify/k3" }]);
    expect(m.secrets).toEqual([{ input: "secrets[1].string", key: "resources.secrets[0].string" }]);
    expect(m.notMigrated).toEqual([{ input: "secrets[0]", reason: expect.stringContaining("both string and file") }]);
  });

  it("the patched cluster's files and scripts", () => {
    const m = migrate(`
files:
  - src: /etc/cloudify/ssh_key
    dst: /home/centos/ssh_key
scripts: [/etc/cloudify/patch_manager.sh]`);
    expect(m.config["cmom:cluster"]).toMatchObject({ files: [{ src: "/etc/cloudify/ssh_key", dst: "/home/centos/ssh_key" }], scripts: ["/etc/cloudify/patch_manager.sh"] });
  });

  it("restore inputs only count when restore is true", () => {
    const off = migrate("restore: false\nsnapshot_id: s1");
    expect(off.config["cmom:restore"]).toBeUndefined();
    expect(off.notMigrated).toEqual([{ input: "snapshot_id", reason: expect.stringContaining("restore is not true") }]);
    const on = migrate("restore: true\nsnapshot_path: /s/a.zip\nrestore_params: [--force, --bogus]");
    expect(on.config["cmom:restore"]).toEqual({ snapshotPath: "/s/a.zip", params: { force: true } });
    expect(on.notMigrated).toEqual([{ input: "restore_params", reason: expect.stringContaining("--bogus is not one of") }]);
  });
});

describe("npm run import-mom", () => {
  const PLANTED = /planted-[a-z-]+-[0-9a-f]{4}/g;
  const full = path.join(FIXTURES, "full-inputs.yaml");

  it("converts every documented input into a stack that plans offline, with no secret value in any file", async () => {
    const stackFile = path.join(tmp, "Pulumi.mom.yaml");
    const run = runScriptProcess("import-mom", full, stackFile);
    expect(run.status, run.stderr).toBe(0);
    const written = fs.readFileSync(stackFile, "utf8");
    const planted = fs.readFileSync(full, "utf8").match(PLANTED)!;
    expect(planted).toHaveLength(4);
    for (const value of planted) {
      expect(written).not.toContain(value);
      expect(run.stdout).not.toContain(value);
    }
    // One command per secret, each reading stdin: from the file the input named, or from a file the operator writes.
    for (const [key, from] of [["openstack:password", "os_password.secret"], ["cluster.adminPassword", "manager_admin_password.secret"],
      ["cluster.sshPrivateKey", "/etc/cloudify/ssh_key"], ["cluster.caKey", "/etc/cloudify/ca_key.pem"],
      ["cluster.ldap.password", "ldap_config-password.secret"], ["resources.secrets[0].string", "secrets-0-string.secret"]]) {
      expect(run.stdout).toContain(`pulumi config set -s mom --secret --path '${key}' < ${from}`);
    }
    expect(run.stdout).toMatch(/Not migrated:\n {2}plugins\[1\]: .*URL.*\n {2}blueprints\[1\]: .*URL.*\n {2}os_flavour: unknown input/);

    const config = parse(written).config;
    expect(config["cmom:cluster"]).toMatchObject({ instances: 3, sshUser: "centos", installRpm: "/etc/cloudify/cloudify-manager-install.rpm", ldap: { dnExtra: "o=example;ou=ops", isActiveDirectory: true } });
    expect(config["cmom:restore"]).toEqual({ fromStack: "cfy_manager_dep_1", snapshotId: "snap_2018_03_21_09_09_05", transferAgents: true, params: { force: true, restoreCertificates: true, noReboot: true } });
    expect(config["cmom:backup"]).toEqual({ includeMetrics: true, includeLogs: false });
    expect(config["openstack:tenantName"]).toBe("managers");

    const plan = await runPlanMain(stackFile, "--json");
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout.match(PLANTED)).toBeNull();
    const types = JSON.parse(plan.stdout).resources.map((r: { type: string }) => r.type);
    expect(types.filter((t: string) => t === "openstack:compute/instance:Instance")).toHaveLength(3);
    expect(types).toContain("pulumi-nodejs:dynamic/cloudify:SnapshotRestore");

    const again = await runScriptMain(importMomMain, full, stackFile);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("exists: refusing to overwrite it");
    expect(fs.readFileSync(stackFile, "utf8")).toBe(written);
  });

  it("answers --help with usage and exit 0, bad usage with exit 2", async () => {
    const help = await runScriptMain(importMomMain, "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run import-mom -- <inputs.yaml>/);
    const bad = await runScriptMain(importMomMain, full);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^usage:/);
    const broken = path.join(tmp, "broken.yaml");
    fs.writeFileSync(broken, "os_flavor: [m1\n");
    const unreadable = await runScriptMain(importMomMain, broken, path.join(tmp, "Pulumi.x.yaml"));
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toContain(`${broken}: `);
    expect(unreadable.stderr).not.toMatch(/\n\s+at /);
  });
});
