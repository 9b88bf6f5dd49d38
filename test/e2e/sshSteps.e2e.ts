// cmom's SSH steps and node certificates under the real Pulumi engine (no provider plugin: both are cmom's dynamic providers),
// against a real sshd in a network namespace (test/install/sshHosts.ts): the certificate is signed on this side, its key
// written to the node on stdin, a local file uploaded; a second `up` runs nothing; a changed trigger reruns only its step;
// the state on disk holds no key in plain text; `destroy` touches nothing on the node.
import { execFileSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeCertificates } from "../../components/install/nodeCertificates";
import { remoteStep, remoteUpload } from "../../components/install/remoteStep";
import { generateTestCa, type TestCa } from "../doubles/cloudify";
import { ensureSshServer, SshHosts, type SshHost } from "../install/sshHosts";
import { filesBelow, PROJECT_DIR } from "./support/engineProject";

let hosts: SshHosts;
let host: SshHost;
/** Kept in memory: the CA key reaches the program only as a secret, never a file. */
let ca: TestCa;
let stack: Stack;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-e2e-ssh-"));
const stateDir = path.join(dir, "state");
let round = "1";

/** The node's log of step runs: one line per run, so reruns are counted. */
const runs = () => fs.readFileSync(path.join(host.root, "runs.log"), "utf8").trim().split("\n");

function program() {
  const route = { host: host.address, port: 22, user: "root", privateKey: pulumi.secret(fs.readFileSync(hosts.key, "utf8")), hostKey: host.hostKey };
  const certs = new NodeCertificates("node", {
    nodeName: "node-1", privateIp: host.address, publicIp: host.address,
    caCert: ca.certPem, caKey: pulumi.secret(ca.keyPem),
  });
  const key = remoteStep("write-key", {
    route, create: `cat > ${host.root}/external.key && echo key >> ${host.root}/runs.log`, stdin: certs.external.privateKeyPem, triggers: [{ server: "s1" }], secret: true,
  }, {});
  const chain = remoteStep("write-chain", {
    route, create: `cat > ${host.root}/external.crt && echo chain >> ${host.root}/runs.log`, stdin: certs.external.chainPem, triggers: [{ server: "s1" }],
  }, {});
  const upload = remoteUpload("upload", { route, source: path.join(dir, "upload.txt"), remotePath: `${host.root}/staging/upload.txt`, triggers: [{ server: "s1" }] }, {});
  remoteStep("stage", {
    route, create: `echo stage >> ${host.root}/runs.log`, triggers: [{ after: upload.id, round }],
  }, { dependsOn: [key, chain, upload] });
  return Promise.resolve({});
}

beforeAll(async () => {
  ensureSshServer();
  hosts = new SshHosts(1);
  host = hosts.hosts[0]!;
  ca = generateTestCa("cmom-e2e-ca");
  fs.writeFileSync(path.join(dir, "ca.pem"), ca.certPem);
  fs.writeFileSync(path.join(dir, "upload.txt"), "uploaded content\n");
  fs.mkdirSync(stateDir);
  // A project directory of its own (the workspace writes Pulumi.yaml and the stack file there); the dynamic-provider host
  // resolves the providers' modules from it, hence the link to node_modules.
  const workDir = path.join(dir, "project");
  fs.mkdirSync(workDir);
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(workDir, "node_modules"));
  stack = await LocalWorkspace.createOrSelectStack({ stackName: "ssh", projectName: "cmom-ssh-e2e", program }, {
    workDir,
    projectSettings: { name: "cmom-ssh-e2e", runtime: "nodejs", backend: { url: `file://${stateDir}` } },
    envVars: { PULUMI_BACKEND_URL: `file://${stateDir}`, PULUMI_CONFIG_PASSPHRASE: `e2e-${process.pid}` },
  });
});

afterAll(() => {
  hosts?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("SSH steps and node certificates under the real engine", () => {
  it("signs, writes and uploads on the first up, and runs nothing on the second", async () => {
    const first = await stack.up();
    expect(first.summary.resourceChanges).toMatchObject({ create: 8 });
    expect(runs().sort()).toEqual(["chain", "key", "stage"]);
    expect(fs.readFileSync(path.join(host.root, "staging/upload.txt"), "utf8")).toBe("uploaded content\n");
    execFileSync("openssl", ["verify", "-CAfile", path.join(dir, "ca.pem"), "-purpose", "sslserver", path.join(host.root, "external.crt")], { stdio: "pipe" });
    const cert = new X509Certificate(fs.readFileSync(path.join(host.root, "external.crt")));
    expect(cert.checkPrivateKey(createPrivateKey(fs.readFileSync(path.join(host.root, "external.key"))))).toBe(true);

    const second = await stack.up();
    expect(second.summary.resourceChanges).toEqual({ same: 8 });
    expect(runs()).toHaveLength(3);
  });

  it("reruns only the step whose triggers changed", async () => {
    round = "2";
    const third = await stack.up();
    expect(third.summary.resourceChanges).toEqual({ same: 7, replace: 1 });
    expect(runs().slice(3)).toEqual(["stage"]);
  });

  it("keeps every key out of the state on disk in plain text", () => {
    const caKeyLine = ca.keyPem.split("\n")[1]!;
    const nodeKeyLine = fs.readFileSync(path.join(host.root, "external.key"), "utf8").split("\n")[1]!;
    const sshKeyLine = fs.readFileSync(hosts.key, "utf8").split("\n")[1]!;
    const files = filesBelow(stateDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      for (const secret of [caKeyLine, nodeKeyLine, sshKeyLine]) expect(file.text.includes(secret), file.path).toBe(false);
    }
  });

  it("destroys without touching the node", async () => {
    await stack.destroy();
    expect(runs()).toHaveLength(4);
    expect(fs.existsSync(path.join(host.root, "external.key"))).toBe(true);
  });
});
