// The node lifecycle stages against recording fakes: each stage idempotent, failures reported and recoverable.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Certificates, FakeNode, INSTALLER_VERSION, makeCertificates, SECRETS, StartingStates, startRestServer } from "./fakes/harness";

let certs: Certificates;
let rest: Awaited<ReturnType<typeof startRestServer>>;
const nodes: FakeNode[] = [];
const states = new StartingStates();

beforeAll(async () => {
  certs = makeCertificates();
  rest = await startRestServer(
    fs.readFileSync(path.join(certs.dir, "external.crt"), "utf8"),
    fs.readFileSync(path.join(certs.dir, "external.key"), "utf8"),
  );
});
afterAll(async () => {
  states.remove();
  await rest.close();
  fs.rmSync(path.dirname(certs.dir), { recursive: true, force: true });
});
afterEach(() => {
  for (const node of nodes.splice(0)) node.remove();
});

function newNode(overrides: Record<string, unknown> = {}) {
  const node = new FakeNode(certs, overrides);
  nodes.push(node);
  return node;
}

/** A default node after post_install and config; after init too. */
const configured = () => states.node(certs, INSTALLER_VERSION, "post_install", "config");
const installed = () => states.node(certs, INSTALLER_VERSION, "post_install", "config", "init");

const restEnv = () => ({ CMOM_REST_PORT: String(rest.port) });
const installs = (node: FakeNode) => node.commandLines().filter((line) => line === "cfy_manager install").length;

describe("post_install", () => {
  it("installs the installer package once, then finds it installed", async () => {
    const node = newNode();
    const first = await node.run("post_install");
    expect(first).toMatchObject({ code: 0 });
    expect(node.state().rpm).toBe(INSTALLER_VERSION);
    node.clearCalls();
    const second = await node.run("post_install");
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("already installed");
    expect(node.commandLines().filter((line) => line.startsWith("rpm -i") || line.startsWith("rpm -U"))).toEqual([]);
  });

  it("downloads an https installer on the node, verifies its checksum, and keeps it for reruns", async () => {
    const node = newNode();
    const body = `fake-rpm cloudify-manager-install ${INSTALLER_VERSION}\n`;
    const { createHash } = await import("node:crypto");
    // A TLS file server trusted only through the test CA (curl verifies TLS: CURL_CA_BUNDLE points it at the CA).
    const https = await import("node:https");
    let downloads = 0;
    const files = https.createServer({
      cert: fs.readFileSync(path.join(certs.dir, "external.crt")), key: fs.readFileSync(path.join(certs.dir, "external.key")),
    }, (_req, res) => {
      downloads += 1;
      res.end(body);
    });
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    const port = (files.address() as import("node:net").AddressInfo).port;
    try {
      const sha256 = createHash("sha256").update(body).digest("hex");
      node.writeConfig({ installer: { url: `https://127.0.0.1:${port}/cloudify-manager-install.rpm`, sha256 } });
      const env = { CURL_CA_BUNDLE: path.join(certs.dir, "ca.pem") };
      expect(await node.run("post_install", [], env)).toMatchObject({ code: 0 });
      expect(await node.run("post_install", [], env)).toMatchObject({ code: 0 });
      expect(downloads).toBe(1);
      expect(node.state().rpm).toBe(INSTALLER_VERSION);

      const wrong = newNode({ installer: { url: `https://127.0.0.1:${port}/x.rpm`, sha256: "0".repeat(64) } });
      const failed = await wrong.run("post_install", [], env);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/does not match installer.sha256/);
      expect(fs.readdirSync(wrong.path("opt/cmom/installer")).filter((f) => f.includes(".part"))).toEqual([]);

      const untrusted = newNode({ installer: { url: `https://127.0.0.1:${port}/x.rpm`, sha256: null } });
      const refused = await untrusted.run("post_install"); // no CA bundle: the self-made CA is not trusted
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/downloading installer.url failed/);
    } finally {
      await new Promise<void>((resolve) => files.close(() => resolve()));
    }
  });

  it("replaces another package version while no manager is installed, and refuses once one is", async () => {
    const node = newNode();
    const rpmFile = node.path("opt/cmom/installer/cloudify-manager-install.rpm");
    await node.runAll("post_install");
    node.writeInstaller(rpmFile, "4.6.1-ga");
    const replaced = await node.run("post_install");
    expect(replaced.stdout).toContain(`replaced cloudify-manager-install ${INSTALLER_VERSION} by 4.6.1-ga`);
    expect(node.state().rpm).toBe("4.6.1-ga");
    await node.runAll("config", "init");
    node.writeInstaller(rpmFile, "4.6.2-ga");
    const result = await node.run("post_install");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/4\.6\.1-ga differs from the installer's 4\.6\.2-ga: run the upgrade stage/);
    expect(node.state().rpm).toBe("4.6.1-ga");
  });
});

describe("config", () => {
  it("writes config.yaml with manager, security, ssl_inputs and ldap, additionalConfig winning the merge", async () => {
    const node = newNode({
      ldap: {
        server: "ldap://ldap.example.test:389", username: "cn=reader", password: SECRETS.ldapPassword,
        domain: "example.test", dnExtra: null, isActiveDirectory: true,
      },
      additionalConfig: {
        manager: { security: { admin_username: "root-admin" }, hostname: "mgr0" },
        postgresql_server: { postgres_password: SECRETS.additionalSecret },
        ssl_inputs: { ca_cert_path: "/custom/ca.pem" },
      },
    });
    expect(await node.run("config")).toMatchObject({ code: 0 });
    const config = JSON.parse(fs.readFileSync(node.path("etc/cloudify/config.yaml"), "utf8"));
    const certDir = node.path("etc/cmom/certs");
    expect(config).toEqual({
      manager: {
        private_ip: "127.0.0.1",
        public_ip: "203.0.113.10",
        hostname: "mgr0",
        security: { ssl_enabled: true, admin_username: "root-admin", admin_password: SECRETS.adminPassword },
      },
      restservice: {
        ldap: {
          server: "ldap://ldap.example.test:389", username: "cn=reader", password: SECRETS.ldapPassword,
          domain: "example.test", dn_extra: "", is_active_directory: true,
        },
      },
      ssl_inputs: {
        external_cert_path: `${certDir}/external.crt`,
        external_key_path: `${certDir}/external.key`,
        internal_cert_path: `${certDir}/internal.crt`,
        internal_key_path: `${certDir}/internal.key`,
        ca_cert_path: "/custom/ca.pem",
      },
      postgresql_server: { postgres_password: SECRETS.additionalSecret },
    });
  });

  it("leaves out restservice without ldap, rewrites nothing on a rerun, and keeps secret files at 0600", async () => {
    const node = newNode();
    fs.chmodSync(node.configPath, 0o644);
    fs.chmodSync(node.path("etc/cmom/certs/external.key"), 0o644);
    expect(await node.run("config")).toMatchObject({ code: 0 });
    const file = node.path("etc/cloudify/config.yaml");
    expect(JSON.parse(fs.readFileSync(file, "utf8")).restservice).toBeUndefined();
    const inode = fs.statSync(file).ino;
    const second = await node.run("config");
    expect(second.stdout).toContain("unchanged");
    expect(fs.statSync(file).ino).toBe(inode);
    for (const rel of ["etc/cloudify/config.yaml", "etc/cmom/node.json", "etc/cmom/certs/external.key",
      "etc/cmom/certs/internal.key", "var/log/cmom/node-setup.log"]) {
      expect([rel, node.mode(rel).toString(8)]).toEqual([rel, "600"]);
    }
    expect(node.mode("var/log/cmom").toString(8)).toBe("700");
    expect(node.mode("etc/cloudify").toString(8)).toBe("755");
    expect(fs.statSync(file).uid).toBe(0);
  });

  it("refuses a CA private key on the node and names missing certificates", async () => {
    const node = newNode();
    fs.writeFileSync(node.path("etc/cmom/certs/ca.key"), "key");
    expect((await node.run("config")).stderr).toMatch(/CA private key must never be on a node/);
    fs.rmSync(node.path("etc/cmom/certs/ca.key"));
    fs.rmSync(node.path("etc/cmom/certs/internal.key"));
    const result = await node.run("config");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/lacks internal.key/);
  });

  it("names the offending key of an invalid node.json", async () => {
    const node = newNode({ ldap: { server: "s", username: "u", password: 5, domain: "d", isActiveDirectory: false } });
    const result = await node.run("config");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/key 'ldap.password' must be a non-empty string/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("reads yaml:// configs, with PyYAML or, lacking it, when the YAML is JSON", async () => {
    const node = newNode();
    const yamlPath = node.path("etc/cmom/node.yaml");
    const lines = Object.entries(node.config).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
    fs.writeFileSync(yamlPath, lines.join("\n") + "\n", { mode: 0o600 });
    const args = ["config", "--config", `yaml://${yamlPath}`];
    const env = { CMOM_ROOT: node.root, FAKE_STATE: node.stateDir, FAKE_REGISTRY: node.registry! };
    const { runTool } = await import("./fakes/harness");
    expect(await runTool(args, env)).toMatchObject({ code: 0 });

    const noYaml = path.join(node.root, "no-pyyaml");
    fs.mkdirSync(noYaml);
    fs.writeFileSync(path.join(noYaml, "yaml.py"), "raise ImportError('no PyYAML here')\n");
    const withoutParser = await runTool(args, { ...env, PYTHONPATH: noYaml });
    expect(withoutParser.code).toBe(1);
    expect(withoutParser.stderr).toMatch(/yaml:\/\/ needs PyYAML/);
    fs.writeFileSync(yamlPath, JSON.stringify(node.config), { mode: 0o600 });
    expect(await runTool(args, { ...env, PYTHONPATH: noYaml })).toMatchObject({ code: 0 });
  });
});

describe("init", () => {
  it("installs once, waits for every service, and a rerun installs and starts nothing", async () => {
    const node = await configured();
    node.setState({ statusDelay: 3 }); // the REST service needs a few polls to come up
    const first = await node.run("init");
    expect(first).toMatchObject({ code: 0 });
    expect(installs(node)).toBe(1);
    expect(fs.existsSync(node.path("etc/cloudify/.install"))).toBe(true);
    expect(node.commandLines().filter((line) => line === "cfy status").length).toBeGreaterThanOrEqual(4);
    node.clearCalls();
    const second = await node.run("init");
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("already installed");
    expect(node.commandLines().filter((line) => line.startsWith("cfy_manager"))).toEqual([]);
  });

  it("reports a failing cfy_manager install with its reason, rolls back, and completes on the rerun", async () => {
    const node = await configured();
    node.setState({ failInstall: "not enough memory: 3.1 GB < 3.7 GB" });
    const failed = await node.run("init");
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toBe(
      "cmom-node-setup init: cfy_manager install failed: BootstrapError: not enough memory: 3.1 GB < 3.7 GB " +
      "(rolled back; rerun init)");
    expect(node.commandLines().filter((line) => line.startsWith("cfy_manager"))).toEqual([
      "cfy_manager install", "cfy_manager remove --force"]);
    node.setState({ failInstall: "" });
    node.clearCalls();
    expect(await node.run("init")).toMatchObject({ code: 0 });
    expect(installs(node)).toBe(1);
    expect(node.state().services).toBe("up");
  });

  it("cleans the remains of an interrupted install before installing again", async () => {
    const node = await configured();
    fs.writeFileSync(node.path("var/lib/cmom/install.started"), ""); // killed mid-install: no .install marker
    expect(await node.run("init")).toMatchObject({ code: 0 });
    expect(node.commandLines().filter((line) => line.startsWith("cfy_manager"))).toEqual([
      "cfy_manager remove --force", "cfy_manager install"]);
  });

  it("fails with a clear timeout when services never all run", async () => {
    const node = newNode({ statusTimeoutSeconds: 1 });
    await node.runAll("post_install", "config");
    node.setState({ servicesDown: true });
    const result = await node.run("init");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/manager services not all running after 1s: Manager Rest-Service/);
  });

  it("applies a changed config.yaml with cfy_manager configure, once", async () => {
    const node = await installed();
    node.writeConfig({ additionalConfig: { restservice: { log: { level: "DEBUG" } } } });
    node.clearCalls();
    await node.runAll("config", "init", "config", "init");
    expect(node.commandLines().filter((line) => line.startsWith("cfy_manager"))).toEqual(["cfy_manager configure"]);
  });

  it("applies a renewed certificate with cfy_manager configure, once", async () => {
    const node = await installed();
    const certificate = node.path("etc/cmom/certs/external.crt");
    fs.appendFileSync(certificate, "\n");
    node.clearCalls();
    await node.runAll("config", "init", "init");
    expect(node.commandLines().filter((line) => line.startsWith("cfy_manager"))).toEqual(["cfy_manager configure"]);
  });

  it("copies files atomically and runs each script once; a failing script fails the stage by name", async () => {
    const node = newNode();
    const staged = node.path("staging");
    fs.mkdirSync(staged);
    fs.writeFileSync(path.join(staged, "banner.txt"), "hello", { mode: 0o640 });
    const counter = node.path("script-runs");
    fs.writeFileSync(path.join(staged, "count.sh"), `echo run >> ${counter}\n`);
    fs.writeFileSync(path.join(staged, "broken.sh"), "echo 'cannot reach the plugin repository' >&2\nexit 3\n");
    node.writeConfig({
      files: [{ src: path.join(staged, "banner.txt"), dst: node.path("etc/motd.d/cmom") }],
      scripts: [path.join(staged, "count.sh")],
    });
    await node.runAll("post_install", "config", "init", "init");
    expect(fs.readFileSync(node.path("etc/motd.d/cmom"), "utf8")).toBe("hello");
    expect(node.mode("etc/motd.d/cmom").toString(8)).toBe("640");
    expect(node.mode("etc/motd.d").toString(8)).toBe("755"); // created for other readers, not with the tool's umask
    expect(fs.readFileSync(counter, "utf8")).toBe("run\n");

    node.writeConfig({ scripts: [path.join(staged, "count.sh"), path.join(staged, "broken.sh")] });
    const failed = await node.run("init");
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/script .*broken\.sh failed: cannot reach the plugin repository/);
    expect(fs.readFileSync(counter, "utf8")).toBe("run\n");
  });
});

describe("test, reset, cleanup", () => {
  it("passes against a manager serving this node's certificate, twice, and reset removes its artifacts", async () => {
    const node = await installed();
    for (let run = 0; run < 2; run++) {
      const result = await node.run("test", [], restEnv());
      expect(result).toMatchObject({ code: 0 });
    }
    expect(fs.existsSync(node.path("var/log/cmom/test.log"))).toBe(true);
    expect(node.mode("var/lib/cmom/test-result.json").toString(8)).toBe("600");
    await node.runAll("reset", "reset");
    expect(fs.existsSync(node.path("var/log/cmom/test.log"))).toBe(false);
    expect(fs.existsSync(node.path("var/lib/cmom/test-result.json"))).toBe(false);
    expect(node.commandLines().filter((line) => line.startsWith("cfy_manager"))).toEqual(["cfy_manager install"]);
  });

  it("fails when the served certificate is not this node's, or REST refuses the credentials", async () => {
    const node = await installed();
    const impostor = await startRestServer(certs.otherCert, certs.otherKey);
    try {
      const result = await node.run("test", [], { CMOM_REST_PORT: String(impostor.port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/certificate served on 127\.0\.0\.1:\d+ .* is not .*external\.crt/);
    } finally {
      await impostor.close();
    }
    const strict = await startRestServer(
      fs.readFileSync(path.join(certs.dir, "external.crt"), "utf8"),
      fs.readFileSync(path.join(certs.dir, "external.key"), "utf8"), "another-password");
    try {
      const result = await node.run("test", [], { CMOM_REST_PORT: String(strict.port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/REST https:\/\/127\.0\.0\.1:\d+\/api\/v3\.1\/status answered HTTP 401/);
    } finally {
      await strict.close();
    }
  });

  it("fails test before init", async () => {
    const node = newNode();
    const result = await node.run("test", [], restEnv());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not installed .*run the init stage first/);
  });

  it("removes the manager and its config once; a second cleanup has nothing to remove", async () => {
    const node = await installed();
    node.clearCalls();
    await node.runAll("cleanup", "cleanup");
    expect(node.commandLines().filter((line) => !line.startsWith("cfy profiles"))).toEqual(["cfy_manager remove --force"]);
    expect(fs.existsSync(node.path("etc/cloudify/config.yaml"))).toBe(false);
    expect(fs.existsSync(node.path("etc/cloudify/.install"))).toBe(false);
    await node.runAll("config", "init");
    expect(installs(node)).toBe(1);
  });
});

describe("upgrade, backup, restore", () => {
  it("upgrades the package while no manager is installed, once", async () => {
    const node = newNode();
    await node.runAll("post_install");
    node.writeInstaller(node.path("opt/cmom/installer/cloudify-manager-install.rpm"), "4.6-ga");
    node.clearCalls();
    await node.runAll("upgrade", "upgrade");
    const changes = node.commandLines().filter((line) => /^rpm -[iU]|^cfy_manager/.test(line));
    expect(changes).toEqual([`rpm -U ${node.path("opt/cmom/installer/cloudify-manager-install.rpm")}`]);
    expect(node.state()).toMatchObject({ rpm: "4.6-ga" });
  });

  it("backs up to a 0600 snapshot file once per id and restores a file once", async () => {
    const node = await installed();
    for (let run = 0; run < 2; run++) {
      expect(await node.run("backup", ["nightly", "--exclude-logs"])).toMatchObject({ code: 0 });
    }
    const file = node.path("var/lib/cmom/backups/nightly.zip");
    expect(fs.readFileSync(file, "utf8")).toBe("fake snapshot nightly");
    expect(node.mode("var/lib/cmom/backups/nightly.zip").toString(8)).toBe("600");
    expect(node.commandLines().filter((line) => line.startsWith("cfy snapshots create"))).toEqual([
      "cfy snapshots create nightly --exclude-logs"]);

    for (let run = 0; run < 2; run++) {
      expect(await node.run("restore", [file, "--restore-certificates", "--no-reboot"])).toMatchObject({ code: 0 });
    }
    const restores = node.commandLines().filter((line) => line.startsWith("cfy snapshots restore"));
    expect(restores).toHaveLength(1);
    expect(restores[0]).toMatch(/^cfy snapshots restore cmom_restore_[0-9a-f]{16} --restore-certificates --no-reboot$/);
    expect(node.commandLines()).toContain("cfy agents install --all-tenants");
  });

  it("rejects unknown backup options and a restore without a file as bad usage", async () => {
    const node = newNode();
    expect((await node.run("backup", ["--delete-everything"])).code).toBe(2);
    expect((await node.run("restore")).code).toBe(2);
  });
});
