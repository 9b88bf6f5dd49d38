// Runs the real cmom-node-setup in a temporary root with the recording fakes of rpm, cfy_manager and cfy on PATH.
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const TOOL = path.resolve(__dirname, "../../../components/install/node-setup/cmom-node-setup");
const FAKE_MANAGER = path.resolve(__dirname, "fake_manager.py");
/** The versions the fakes model (test/install/fakes/fake_manager.py), as the installer package names them. */
export const VERSIONS = ["4.3-ga", "4.4-ga", "4.5.5-ga", "4.6-ga"] as const;
export const INSTALLER_VERSION = "4.5.5-ga";

/** A bin directory with the fakes of rpm and cfy_manager and the curl pass-through; `cfy_manager install` adds cfy. */
export function makeFakeBin(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of ["rpm", "cfy_manager", "curl"]) fs.symlinkSync(FAKE_MANAGER, path.join(dir, name));
  return dir;
}

/** Secret values of the default node config: none may appear on a command line, in a log or in a bundle. */
export const SECRETS = {
  adminPassword: 'Adm1n-"pa\\ss"-7731',
  ldapPassword: "Ldap-Secret-4410",
  additionalSecret: "Pg-Secret-9126",
};

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface FakeCall {
  cmd: "rpm" | "cfy" | "cfy_manager" | "curl";
  argv: string[];
  env: Record<string, string>;
}

export interface Certificates {
  dir: string; // ca.pem, external.crt (chained with the CA), external.key, internal.crt, internal.key
  otherCert: string; // a certificate from the same CA that is not this node's
  otherKey: string;
}

/** A CA and node certificates for 127.0.0.1, made once per test file with the openssl CLI. */
export function makeCertificates(): Certificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-certs-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=cmom-test-ca");
  fs.writeFileSync(path.join(dir, "san.cnf"), "subjectAltName=IP:127.0.0.1\n");
  const leaf = (name: string) => {
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
      "-out", `${name}.leaf`, "-days", "2", "-extfile", "san.cnf");
  };
  for (const name of ["external", "internal", "other"]) leaf(name);
  const ca = fs.readFileSync(path.join(dir, "ca.pem"), "utf8");
  const nodeDir = path.join(dir, "node");
  fs.mkdirSync(nodeDir);
  fs.copyFileSync(path.join(dir, "ca.pem"), path.join(nodeDir, "ca.pem"));
  for (const name of ["external", "internal"]) {
    fs.writeFileSync(path.join(nodeDir, `${name}.crt`), fs.readFileSync(path.join(dir, `${name}.leaf`), "utf8") + ca);
    fs.copyFileSync(path.join(dir, `${name}.key`), path.join(nodeDir, `${name}.key`));
  }
  return {
    dir: nodeDir,
    otherCert: fs.readFileSync(path.join(dir, "other.leaf"), "utf8") + ca,
    otherKey: fs.readFileSync(path.join(dir, "other.key"), "utf8"),
  };
}

/** The manager's REST status endpoint over TLS, answering only with the right credentials and tenant. A replica of a
 * 4.x HA cluster answers every call with 400 not_cluster_master (cloudify-manager rest-service, 4.3 ... 4.6). */
export async function startRestServer(cert: string, key: string, password = SECRETS.adminPassword, replica = false) {
  const expected = "Basic " + Buffer.from(`admin:${password}`).toString("base64");
  const server = https.createServer({ cert, key }, (req, res) => {
    const ok = req.url === "/api/v3.1/status" && req.headers.authorization === expected &&
      req.headers.tenant === "default_tenant";
    if (ok && replica) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "This node is not the cluster master", error_code: "not_cluster_master" }));
      return;
    }
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    res.end(JSON.stringify(ok ? { status: "running", services: [] } : { message: "unauthorized" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type NodeConfig = Record<string, unknown>;

/** One node: a temporary root, its node.json, the fakes' state, and the cluster registry it shares with others. */
export class FakeNode {
  readonly root: string;
  readonly configPath: string;
  readonly stateDir: string;
  readonly bin: string;
  config: NodeConfig;

  constructor(certs: Certificates, overrides: NodeConfig = {}, readonly registry?: string,
    version: string = INSTALLER_VERSION) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-node-"));
    this.stateDir = path.join(this.root, "fake");
    fs.mkdirSync(this.stateDir);
    this.bin = makeFakeBin(path.join(this.root, "fakebin"));
    this.registry = registry ?? path.join(this.root, "registry.json");
    const certDir = path.join(this.root, "etc/cmom/certs");
    fs.mkdirSync(certDir, { recursive: true });
    for (const file of fs.readdirSync(certs.dir)) fs.copyFileSync(path.join(certs.dir, file), path.join(certDir, file));
    const installer = path.join(this.root, "opt/cmom/installer/cloudify-manager-install.rpm");
    this.writeInstaller(installer, version);
    this.configPath = path.join(this.root, "etc/cmom/node.json");
    this.config = {
      nodeName: "manager-0",
      privateIp: "127.0.0.1",
      publicIp: "203.0.113.10",
      fqdn: "manager-0.example.test",
      adminUsername: "admin",
      adminPassword: SECRETS.adminPassword,
      ldap: null,
      additionalConfig: {},
      installer: { rpm: installer },
      certificates: { dir: certDir },
      files: [],
      scripts: [],
      statusTimeoutSeconds: 5,
      ...overrides,
    };
    this.writeConfig();
  }

  writeInstaller(file: string, version: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `fake-rpm cloudify-manager-install ${version}\n`);
  }

  writeConfig(changes: NodeConfig = {}) {
    this.config = { ...this.config, ...changes };
    fs.writeFileSync(this.configPath, JSON.stringify(this.config, null, 2), { mode: 0o600 });
  }

  path(rel: string) {
    return path.join(this.root, rel);
  }

  run(stage: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> {
    const argv = stage === "" ? args : [stage, "--config", `json://${this.configPath}`, ...args];
    return runTool(argv, {
      FAKE_BIN: this.bin,
      CMOM_ROOT: this.root,
      CMOM_POLL_SECONDS: "0.05",
      FAKE_STATE: this.stateDir,
      FAKE_REGISTRY: this.registry!,
      ...env,
    });
  }

  /** Runs stages in order, failing loudly on the first that does not exit 0. */
  async runAll(...stages: string[]) {
    for (const stage of stages) {
      const result = await this.run(stage);
      if (result.code !== 0) throw new Error(`${stage} exited ${result.code}: ${result.stderr}`);
    }
  }

  calls(): FakeCall[] {
    const file = path.join(this.stateDir, "calls.jsonl");
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as FakeCall);
  }

  /** The recorded calls as command lines, e.g. "cfy_manager install". */
  commandLines(): string[] {
    return this.calls().map((call) => [call.cmd, ...call.argv].join(" "));
  }

  clearCalls() {
    fs.rmSync(path.join(this.stateDir, "calls.jsonl"), { force: true });
  }

  state(): Record<string, unknown> {
    const file = path.join(this.stateDir, "state.json");
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  }

  setState(changes: Record<string, unknown>) {
    fs.writeFileSync(path.join(this.stateDir, "state.json"), JSON.stringify({ ...this.state(), ...changes }));
  }

  registryContent(): { clusters: Record<string, { name: string; host_ip: string }[]>; membership: Record<string, string> } {
    return JSON.parse(fs.readFileSync(this.registry!, "utf8"));
  }

  mode(rel: string): number {
    return fs.statSync(this.path(rel)).mode & 0o777;
  }

  remove() {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Nodes (and the registry they share) saved in some state and restored in place for each test that only needs them in
 * that state, so the stages that got them there run once per file. In place, because node.json, config.yaml and the
 * tool's records hold the nodes' absolute paths: a copy elsewhere would be another node. Tests run one after another
 * within a file, so a restored node is the previous test's no more.
 */
export class SavedNodes {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-saved-"));
  private readonly paths: string[];
  private readonly configs: NodeConfig[];

  constructor(private readonly nodes: FakeNode[]) {
    const registries = nodes.map((node) => node.registry!)
      .filter((file) => fs.existsSync(file) && !nodes.some((node) => file.startsWith(node.root + path.sep)));
    this.paths = [...new Set([...nodes.map((node) => node.root), ...registries])];
    this.paths.forEach((from, index) => fs.cpSync(from, path.join(this.dir, String(index)), { recursive: true, verbatimSymlinks: true }));
    this.configs = nodes.map((node) => structuredClone(node.config));
  }

  restore(): FakeNode[] {
    this.paths.forEach((to, index) => {
      fs.rmSync(to, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.cpSync(path.join(this.dir, String(index)), to, { recursive: true, verbatimSymlinks: true });
    });
    this.nodes.forEach((node, index) => { node.config = structuredClone(this.configs[index]!); });
    return this.nodes;
  }

  remove() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starting states of a test file, each built on first use and restored for every test that starts from it. */
export class StartingStates {
  private readonly saved = new Map<string, SavedNodes>();
  private readonly built: FakeNode[] = [];

  /** The nodes `build` makes, built on the first call for `key` and restored to that state on every call. */
  async from(key: string, build: () => Promise<FakeNode[]>): Promise<FakeNode[]> {
    let saved = this.saved.get(key);
    if (!saved) {
      const nodes = await build();
      this.built.push(...nodes);
      saved = new SavedNodes(nodes);
      this.saved.set(key, saved);
    }
    return saved.restore();
  }

  /** A node with the default config of the installer version after the stages given (the calls they made recorded). */
  async node(certs: Certificates, version: string, ...stages: string[]): Promise<FakeNode> {
    const [node] = await this.from(`${version}: ${stages.join(" ")}`, async () => {
      const node = new FakeNode(certs, {}, undefined, version);
      await node.runAll(...stages);
      return [node];
    });
    return node!;
  }

  remove() {
    for (const saved of this.saved.values()) saved.remove();
    for (const node of this.built) node.remove();
  }
}

export function runTool(argv: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    // Async on purpose: a test's in-process HTTPS server must keep serving while the tool runs.
    execFile(TOOL, argv, {
      env: {
        PATH: `${env.FAKE_BIN ?? ""}:/usr/bin:/bin:/usr/sbin:/sbin:${process.env.PATH ?? ""}`,
        LANG: "C.UTF-8",
        // CMOM_PYTHON=/path/to/python2.7 npx vitest run test/install runs the suite against the nodes' python 2.
        ...(process.env.CMOM_PYTHON ? { CMOM_PYTHON: process.env.CMOM_PYTHON } : {}),
        ...env,
      },
      timeout: 60_000,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every secret value of the default config that occurs in `text`. */
export function leakedSecrets(text: string): string[] {
  return Object.values(SECRETS).filter((secret) => text.includes(secret));
}
