import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_STAGE_KEYS } from "../../components/install/nodeSettings";
import { readNodeSetupTool } from "../../components/install/nodeSetupTool";
import { NODE_CERTIFICATE_TYPE } from "../../components/install/nodeCertificates";
import { CLEANUP_COMMAND, uploadCommand } from "../../components/install/nodePaths";
import { isWireSecret, maskSecrets, revealSecrets, type RecordedResource } from "../../scripts/plan/recordingMocks";
import { exampleNamespaces, poolWithRealSecrets, TEST_SECRETS } from "../support/exampleStacks";
import { named, ofType } from "../support/resources";
import { runProgram } from "../support/runProgram";
import { TYPES } from "../../components/naming/resourceNames";

const CLEANUP = "pulumi-nodejs:dynamic/cmom:NodeCleanup";
const NODE_NAMES = ["cfy-eu-1", "cfy-eu-2", "cfy-eu-3"];
const PINNED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinnedHostKeyOfCfyEu2";

type Inputs = Record<string, any>;
const plain = (r: RecordedResource) => revealSecrets(r.inputs) as Inputs;
const idOf = (r: RecordedResource) => `${r.name}-id`;
/** A recognisable line of each secret (a PEM's first body line), so a match cannot come from shared PEM armour. */
const fingerprint = (secret: string) => secret.trim().split("\n")[1] ?? secret;
const SHA256 = expect.stringMatching(/^[0-9a-f]{64}$/);
/** The example's files are not on disk here: an offline plan stands each in by its name, as read from the project (the stack's are relative to stacks/). */
const MISSING = (file: string) => `missing ${path.join("stacks", file)}`;
const isUpload = (r: RecordedResource) => "stdinFile" in r.inputs;
const boundForNode = (r: RecordedResource) => "connection" in r.inputs;
const stage = (resources: readonly RecordedResource[], node: number, part: string) => named(resources, `test-install-node-${node}-${part}`);

describe("install on the pool stack", async () => {
  const ns = poolWithRealSecrets() as Record<string, any>;
  ns.cluster.files = [{ src: "fixtures/motd", dst: "/etc/motd" }];
  ns.cluster.scripts = ["fixtures/tune.sh"];
  ns.cluster.hostKeys = { "cfy-eu-2": PINNED };
  const { resources } = await runProgram(ns);
  const tool = readNodeSetupTool();

  it("runs post_install → config → init → test on every node, each stage after the one before", () => {
    for (const node of [0, 1, 2]) {
      const [postInstall, config, init, test] = ["post-install", "config", "init", "test"].map((part) => stage(resources, node, part));
      expect(postInstall!.inputs.command).toBe("sudo -n /opt/cmom/bin/cmom-node-setup post_install --config json:///etc/cmom/node.json");
      expect(config!.dependsOn).toContain(postInstall!.urn);
      expect(init!.dependsOn).toContain(config!.urn);
      expect(test!.dependsOn).toContain(init!.urn);
      for (const [step, name] of [[config, "config"], [init, "init"], [test, "test"]] as const) {
        expect(step!.inputs.command).toBe(`sudo -n /opt/cmom/bin/cmom-node-setup ${name} --config json:///etc/cmom/node.json`);
      }
      // post_install needs the tool, node.json and the installer on the node; init needs the certificates, files and scripts.
      const uploaded = (part: string) => stage(resources, node, part).urn;
      expect(postInstall!.dependsOn).toEqual(expect.arrayContaining(["install-tool", "node-json", "installer"].map(uploaded)));
      expect(init!.dependsOn).toEqual(expect.arrayContaining(["ca-pem", "external-crt", "external-key", "internal-crt", "internal-key", "file-0", "script-0"].map(uploaded)));
      // Nothing runs on the node before its server (and port) exist.
      expect(stage(resources, node, "prepare").dependsOn).toEqual(expect.arrayContaining([named(resources, `test-node-${node}-server`).urn, named(resources, `test-node-${node}-port`).urn]));
    }
  });

  it("gives each stage exactly the triggers it depends on", () => {
    const server = idOf(named(resources, "test-node-1-server"));
    const triggersOf = (part: string) => plain(stage(resources, 1, part)).triggers;
    expect(triggersOf("post-install")).toEqual([{ server, tool: tool.digest, installer: MISSING(ns.cluster.installRpm) }]);
    expect(triggersOf("install-tool")).toEqual([{ server, tool: tool.digest }]);
    const config = triggersOf("config");
    expect(config).toHaveLength(1);
    expect(config[0].after).toBe(idOf(stage(resources, 1, "post-install")));
    expect(Object.keys(config[0].settings).sort()).toEqual([...CONFIG_STAGE_KEYS].sort());
    expect(config[0].settings).toMatchObject({ nodeName: "cfy-eu-2", privateIp: "10.20.0.12", adminPassword: TEST_SECRETS.adminPassword, ldap: { password: TEST_SECRETS.ldapPassword } });
    const init = triggersOf("init");
    expect(init).toEqual([{
      after: idOf(stage(resources, 1, "config")),
      certificates: { ca: expect.stringMatching(/^[0-9a-f]{64}$/), external: expect.stringMatching(/^[0-9a-f]{64}$/), internal: expect.stringMatching(/^[0-9a-f]{64}$/) },
      files: [{ dst: "/etc/motd", content: MISSING("fixtures/motd") }],
      scripts: [MISSING("fixtures/tune.sh")],
      statusTimeoutSeconds: 900,
    }]);
    expect(triggersOf("test")).toEqual([{ after: idOf(stage(resources, 1, "init")) }]);
    for (const part of ["prepare", "node-json", "external-key"]) expect(triggersOf(part), part).toEqual([{ server }]);
    // An upload also reruns when the local file's content changes.
    expect(triggersOf("tool-cmom-node-setup")).toEqual([{ server }, { content: SHA256 }]);
    for (const [part, file] of [["installer", ns.cluster.installRpm], ["file-0", "fixtures/motd"], ["script-0", "fixtures/tune.sh"]]) {
      expect(triggersOf(part), part).toEqual([{ server }, { content: MISSING(file) }]);
    }
  });

  it("starts the cluster on exactly one node and joins every other one after the start, one at a time", () => {
    const runs = (stageName: string) => ofType(resources, TYPES.installStep).filter((r) => String(r.inputs.command).includes(` ${stageName} `));
    const [start, ...rest] = runs("cluster_start");
    expect(rest).toHaveLength(0);
    expect(plain(start!).connection.host).toBe("10.20.0.11");
    expect(start!.dependsOn).toContain(stage(resources, 0, "test").urn);
    expect(plain(start!).triggers).toEqual([{ after: idOf(stage(resources, 0, "test")), cluster: { role: "leader", leaderIp: "10.20.0.11", nodeName: "cfy-eu-1" } }]);

    const joins = runs("cluster_join");
    expect(joins.map((j) => plain(j).connection.host).sort()).toEqual(["10.20.0.12", "10.20.0.13"]);
    for (const node of [1, 2]) {
      const join = named(resources, `test-install-cluster-join-${node}`);
      expect(join.dependsOn).toEqual(expect.arrayContaining([start!.urn, stage(resources, node, "test").urn]));
      expect(plain(join).triggers).toEqual([{
        after: idOf(stage(resources, node, "test")), leader: idOf(start!), cluster: { role: "member", leaderIp: "10.20.0.11", nodeName: NODE_NAMES[node] },
      }]);
    }
    expect(named(resources, "test-install-cluster-join-2").dependsOn).toContain(named(resources, "test-install-cluster-join-1").urn);
  });

  it("never shows a secret outside a secret wrapper, in any resource's inputs", () => {
    const installSecrets = [TEST_SECRETS.adminPassword, TEST_SECRETS.ldapPassword, TEST_SECRETS.caKey, TEST_SECRETS.sshPrivateKey].map(fingerprint);
    const everythingRevealed = JSON.stringify(resources.map(plain));
    // The install uses each of these: once wrappers are opened the scan finds them, so the masked scan below is not vacuous.
    for (const secret of installSecrets) expect(everythingRevealed).toContain(secret);
    const allSecrets = Object.values(TEST_SECRETS).map(fingerprint);
    for (const r of resources) {
      const masked = JSON.stringify(maskSecrets(r.inputs));
      for (const secret of allSecrets) expect(masked, `${r.name} shows a secret`).not.toContain(secret);
    }
  });

  it("sends nothing that contains the CA key to a node, and signs with it only on the operator side", () => {
    const caKey = fingerprint(TEST_SECRETS.caKey);
    const bound = resources.filter(boundForNode);
    expect(bound.length).toBeGreaterThan(40);
    for (const r of bound) expect(JSON.stringify(plain(r)), r.name).not.toContain(caKey);
    const holders = resources.filter((r) => JSON.stringify(plain(r)).includes(caKey));
    expect(new Set(holders.map((r) => r.type))).toEqual(new Set([NODE_CERTIFICATE_TYPE]));
    for (const r of holders) expect(isWireSecret(r.inputs.caKeyPem)).toBe(true);
  });

  it("passes secrets on stdin only: constant command lines, no environment, and secret steps keep their output secret", () => {
    const steps = ofType(resources, TYPES.installStep);
    expect(steps.length).toBeGreaterThan(40);
    for (const r of steps) {
      expect(Object.keys(r.inputs).sort(), r.name).toEqual(expect.arrayContaining(["command", "connection", "dial", "secret", "triggers"]));
      expect(r.inputs).not.toHaveProperty("environment");
      expect(typeof r.inputs.command === "string" || (r.name.endsWith("-cluster-start") && typeof plain(r).command === "string"), r.name).toBe(true);
    }
    for (const part of ["node-json", "external-key", "internal-key", "config", "init", "test"]) {
      expect(stage(resources, 0, part).inputs.secret, part).toBe(true);
    }
    for (const part of ["node-json", "external-key", "internal-key"]) expect(isWireSecret(stage(resources, 2, part).inputs.stdin), part).toBe(true);
  });

  it("writes node.json (0600) as the lifecycle tool's contract describes", () => {
    const write = plain(stage(resources, 1, "node-json"));
    expect(write.command).toContain("chmod 0600");
    expect(write.command).toContain("'/etc/cmom/node.json'");
    expect(JSON.parse(write.stdin)).toEqual({
      nodeName: "cfy-eu-2",
      privateIp: "10.20.0.12",
      publicIp: "10.20.0.12",
      fqdn: "cfy-eu-2.cloud.example.com",
      adminUsername: "admin",
      adminPassword: TEST_SECRETS.adminPassword,
      ldap: {
        server: "ldaps://ldap.example.com", username: "cn=cloudify,ou=services,dc=example,dc=com", password: TEST_SECRETS.ldapPassword,
        domain: "example.com", dnExtra: "o=example", isActiveDirectory: false,
      },
      additionalConfig: { restservice: { log: { level: "INFO" } } },
      installer: { rpm: "/opt/cmom/installer/cloudify-manager-install.rpm" },
      certificates: { dir: "/etc/cmom/certs" },
      files: [{ src: "/opt/cmom/staging/files/0-motd", dst: "/etc/motd" }],
      scripts: ["/opt/cmom/staging/scripts/0-tune.sh"],
      statusTimeoutSeconds: 900,
      cluster: { role: "member", leaderIp: "10.20.0.11", nodeName: "cfy-eu-2" },
    });
  });

  it("uploads the local installer, files and scripts to where node.json says they are", () => {
    const upload = (part: string) => plain(stage(resources, 0, part));
    expect(upload("installer").command).toBe(uploadCommand("/opt/cmom/installer/cloudify-manager-install.rpm", "0644"));
    expect(upload("file-0").command).toBe(uploadCommand("/opt/cmom/staging/files/0-motd", "0644"));
    expect(upload("script-0").command).toBe(uploadCommand("/opt/cmom/staging/scripts/0-tune.sh", "0644"));
    expect(upload("file-0").stdinFile).toMatch(/\/fixtures\/motd$/);
  });

  it("uploads the tool and every file beside it, then installs them root-owned into /opt/cmom/bin (the tool 0755)", async () => {
    const install = stage(resources, 0, "install-tool");
    for (const file of tool.files) {
      const upload = stage(resources, 0, `tool-${file.name.replace(/[^A-Za-z0-9-]/g, "-")}`);
      expect(upload.inputs.command).toBe(uploadCommand(`/opt/cmom/staging/tool/${file.name}`, file.executable ? "0755" : "0644"));
      expect(upload.inputs.stdinFile).toMatch(new RegExp(`/components/install/node-setup/${file.name.replace(/\./g, "\\.")}$`));
      expect(install.dependsOn).toContain(upload.urn);
      expect(install.inputs.command).toContain(`install -o root -g root -m ${file.name === "cmom-node-setup" ? "0755" : "0644"} '/opt/cmom/staging/tool/${file.name}' '/opt/cmom/bin/${file.name}'`);
    }
  });

  it("signs per node certificates whose SANs are the node's addresses and DNS name, and ships them chained with the CA", () => {
    for (const purpose of ["external", "internal"]) {
      const cert = plain(named(resources, `test-install-node-1-certs-${purpose}-cert`));
      expect(cert.dnsNames).toEqual(["cfy-eu-2.cloud.example.com", "cfy-eu-2"]);
      expect(cert.ipAddresses).toEqual(["10.20.0.12"]);
      expect(cert.caCertPem).toBe(ns.cluster.caCert);
      const chain = plain(stage(resources, 1, `${purpose}-crt`)).stdin as string;
      expect(chain).toContain(`stand-in for test-install-node-1-certs-${purpose}-cert`);
      expect(chain.trimEnd().endsWith(ns.cluster.caCert.trimEnd())).toBe(true);
      expect(plain(stage(resources, 1, `${purpose}-key`)).command).toContain("chmod 0600");
    }
    expect(named(resources, "test-install-node-1-certs-internal-cert").inputs.uses).toEqual(["server_auth", "client_auth"]);
    expect(named(resources, "test-install-node-1-certs-external-cert").inputs.uses).toEqual(["server_auth"]);
    expect(plain(stage(resources, 1, "ca-pem")).stdin).toBe(ns.cluster.caCert);
  });

  it("connects to each node's public address as the SSH user, pinning the host key configured for it", () => {
    for (const node of [0, 1, 2]) {
      const connection = plain(stage(resources, node, "init")).connection;
      expect(connection).toMatchObject({ host: `10.20.0.1${node + 1}`, user: "centos", port: 22, privateKey: TEST_SECRETS.sshPrivateKey });
      expect(connection.hostKey).toBe(node === 1 ? PINNED : undefined);
      expect(connection.proxy).toBeUndefined();
    }
  });

  it("cleans up each node before its server and port are deleted", () => {
    const cleanups = ofType(resources, CLEANUP);
    expect(cleanups).toHaveLength(3);
    for (const node of [0, 1, 2]) {
      const cleanup = stage(resources, node, "cleanup");
      expect(cleanup.type).toBe(CLEANUP);
      expect(cleanup.inputs.command).toBe(CLEANUP_COMMAND);
      expect(cleanup.dependsOn).toEqual(expect.arrayContaining([named(resources, `test-node-${node}-server`).urn, named(resources, `test-node-${node}-port`).urn]));
      expect(plain(cleanup).connection).toMatchObject({ host: `10.20.0.1${node + 1}`, privateKey: TEST_SECRETS.sshPrivateKey });
    }
  });

  it("registers unique URNs", () => {
    const urns = resources.map((r) => r.urn);
    expect(new Set(urns).size).toBe(urns.length);
  });
});

describe("install through a bastion, with a floating IP per node and an https installer", async () => {
  const ns = exampleNamespaces("floating") as Record<string, any>;
  ns.cluster.bastion = { host: "bastion.example.com", user: "jump", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBastionKey" };
  ns.cluster.installRpmSha256 = "a".repeat(64);
  const { resources } = await runProgram(ns);

  it("reaches each node's private address through the bastion, with the bastion's pinned key and the cluster's SSH key", () => {
    for (const node of [0, 1]) {
      const connection = plain(stage(resources, node, "config")).connection;
      const privateIp = plain(named(resources, `test-node-${node}-port`));
      expect(privateIp.fixedIps[0].ipAddress).toBeUndefined();
      expect(connection.host).toMatch(/^192\.0\.2\./);
      expect(connection.proxy).toMatchObject({ host: "bastion.example.com", user: "jump", port: 22, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBastionKey" });
      expect(connection.proxy.privateKey).toBe(connection.privateKey);
      expect(plain(stage(resources, node, "cleanup")).connection.proxy).toMatchObject({ host: "bastion.example.com", user: "jump" });
    }
  });

  it("lets the node download the https installer (checksum in node.json) instead of uploading one", () => {
    expect(resources.filter(isUpload).filter((r) => !r.name.includes("-tool-"))).toEqual([]);
    const installer = { url: "https://repository.example.com/cloudify/cloudify-manager-install-4.6.rpm", sha256: "a".repeat(64) };
    expect(JSON.parse(plain(stage(resources, 0, "node-json")).stdin).installer).toEqual(installer);
    expect(plain(stage(resources, 0, "post-install")).triggers[0].installer).toEqual(installer);
  });

  it("cleans up while the floating IP is still associated", () => {
    for (const node of [0, 1]) {
      expect(stage(resources, node, "cleanup").dependsOn).toContain(named(resources, `test-node-${node}-fip-assoc`).urn);
    }
  });
});
