// What the official Cloudify 4.3 ... 4.6 installer and CLI do (as the fakes model them from the sources at those tags),
// and how the tool copes: one describe per finding of the fidelity review, each failing on the tool before it.
import { Buffer } from "node:buffer";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Certificates, FakeNode, makeCertificates, SECRETS, StartingStates, startRestServer, VERSIONS } from "./fakes/harness";

let certs: Certificates;
const nodes: FakeNode[] = [];
const states = new StartingStates();

beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => {
  states.remove();
  fs.rmSync(path.dirname(certs.dir), { recursive: true, force: true });
});
afterEach(() => {
  for (const node of nodes.splice(0)) node.remove();
});

function newNode(version: string) {
  const node = new FakeNode(certs, {}, undefined, version);
  nodes.push(node);
  return node;
}

const V45 = "4.5.5-ga";
const cfyManagerCalls = (node: FakeNode) => node.commandLines().filter((line) => line.startsWith("cfy_manager"));

/** A node of the version with post_install, config and init done (the calls they made recorded). */
const installed = (version: string) => states.node(certs, version, "post_install", "config", "init");

/** A leader and a member sharing one registry (in the leader's root), both installed, the cluster formed. */
async function cluster(version: string) {
  const [leader, member] = await states.from(`cluster ${version}`, async () => {
    const leader = new FakeNode(certs, {
      nodeName: "manager-0", privateIp: "10.0.0.11", cluster: { role: "leader", leaderIp: "10.0.0.11", nodeName: "manager-0" },
    }, undefined, version);
    const member = new FakeNode(certs, {
      nodeName: "manager-1", privateIp: "127.0.0.1", cluster: { role: "member", leaderIp: "10.0.0.11", nodeName: "manager-1" },
    }, leader.registry, version);
    await leader.runAll("post_install", "config", "init", "cluster_start");
    await member.runAll("post_install", "config", "init", "cluster_join");
    leader.clearCalls();
    member.clearCalls();
    return [leader, member];
  });
  return { leader: leader!, member: member! };
}

describe("1: the 4.x installed marker is /etc/cloudify/.install", () => {
  it.each(VERSIONS)("%s: init installs once and finds the manager installed on the rerun", async (version) => {
    const node = newNode(version);
    await node.runAll("post_install", "config", "init", "init");
    expect(cfyManagerCalls(node)).toEqual(["cfy_manager install"]);
    expect(fs.existsSync(node.path("etc/cloudify/.install"))).toBe(true);
  });
});

describe("2: the installer installs the cfy CLI itself", () => {
  it("post_install and init need no cfy before the manager is installed", async () => {
    const node = newNode(V45);
    await node.runAll("post_install", "config");
    expect(fs.existsSync(path.join(node.bin, "cfy"))).toBe(false);
    const init = await node.run("init");
    expect(init.code, init.stderr).toBe(0);
    expect(fs.existsSync(path.join(node.bin, "cfy"))).toBe(true);
  });
});

describe("3: credentials, tenant and CA reach the CLI only through the variables it reads, never twice", () => {
  it("makes profiles without credentials, tenant or certificate, and every cfy call works", async () => {
    const node = await installed(V45);
    await node.runAll("backup");
    const cfy = node.calls().filter((call) => call.cmd === "cfy");
    expect(cfy.filter((call) => call.argv[1] === "use").map((call) => call.argv)).toContainEqual(
      ["profiles", "use", "127.0.0.1", "--ssl"]);
    for (const call of cfy) {
      expect(call.env).toEqual({
        CLOUDIFY_USERNAME: "admin", CLOUDIFY_PASSWORD: SECRETS.adminPassword, CLOUDIFY_TENANT: "default_tenant",
        LOCAL_REST_CERT_FILE: node.path("etc/cmom/certs/ca.pem"),
      });
    }
  });
});

describe("4: configure needs what the first install wrote back into config.yaml", () => {
  it.each(VERSIONS)("%s: a changed setting keeps the generated security keys and configure applies it", async (version) => {
    const node = await installed(version);
    node.writeConfig({ additionalConfig: { restservice: { log: { level: "DEBUG" } } } });
    await node.runAll("config", "init");
    const config = JSON.parse(fs.readFileSync(node.path("etc/cloudify/config.yaml"), "utf8"));
    expect(config.flask_security).toMatchObject({ hash_salt: expect.any(String) });
    expect(config.restservice.log.level).toBe("DEBUG");
    expect(cfyManagerCalls(node)).toEqual(["cfy_manager install", "cfy_manager configure"]);
  });

  it("refuses an admin password change on an installed manager before changing anything", async () => {
    const node = await installed(V45);
    const before = fs.readFileSync(node.path("etc/cloudify/config.yaml"), "utf8");
    node.writeConfig({ adminPassword: "Another-Passw0rd-5512" });
    const result = await node.run("config");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/adminPassword differs from the installed manager's: .*--clean-db/);
    expect(fs.readFileSync(node.path("etc/cloudify/config.yaml"), "utf8")).toBe(before);
  });
});

describe("5: what configure does differs per version", () => {
  it("4.4+: a changed setting on a cluster node fails up front, naming the rebuild; 4.3 configures", async () => {
    for (const [version, configures] of [["4.5.5-ga", false], ["4.3-ga", true]] as const) {
      const { member } = await cluster(version);
      member.writeConfig({ additionalConfig: { restservice: { log: { level: "DEBUG" } } } });
      await member.runAll("config");
      const result = await member.run("init");
      if (configures) {
        expect(result.code, result.stderr).toBe(0);
        expect(cfyManagerCalls(member)).toEqual(["cfy_manager configure"]);
      } else {
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/Cloudify 4\.5 refuses to run on a cluster node: rebuild this node/);
        expect(cfyManagerCalls(member)).toEqual([]);
      }
    }
  });

  it("4.6: a renewed certificate fails up front (configure would not redeploy it); 4.5 redeploys it", async () => {
    for (const [version, redeploys] of [["4.6-ga", false], ["4.5.5-ga", true]] as const) {
      const node = await installed(version);
      fs.writeFileSync(node.path("etc/cmom/certs/external.crt"), certs.otherCert);
      const result = await node.run("init");
      expect(result.code, result.stderr).toBe(redeploys ? 0 : 1);
      if (!redeploys) expect(result.stderr).toMatch(/Cloudify 4\.6 redeploys certificates only with --clean-db/);
      expect(cfyManagerCalls(node)).toEqual(redeploys ? ["cfy_manager install", "cfy_manager configure"]
        : ["cfy_manager install"]);
    }
  });
});

describe("6 and 9: executions, snapshots and status read from the CLI's tables, on every version", () => {
  it.each(VERSIONS)("%s: backup and restore complete (4.3 shows terminated, 4.4+ completed; --json only from 4.5)",
    async (version) => {
      const node = await installed(version);
      await node.runAll("backup");
      const [file] = fs.readdirSync(node.path("var/lib/cmom/backups"));
      const restore = await node.run("restore", [node.path(`var/lib/cmom/backups/${file}`)]);
      expect(restore.code, restore.stderr).toBe(0);
      expect(node.commandLines().filter((line) => line.includes("--json"))).toEqual([]);
    });
});

describe("7: the agents step", () => {
  it("passes when no tenant has a deployment (the CLI exits 1 saying so) and reinstalls agents when some have", async () => {
    for (const deployments of [0, 2]) {
      const node = await installed(V45);
      await node.runAll("backup");
      node.setState({ deployments });
      const [file] = fs.readdirSync(node.path("var/lib/cmom/backups"));
      const restore = await node.run("restore", [node.path(`var/lib/cmom/backups/${file}`)]);
      expect(restore.code, restore.stderr).toBe(0);
      expect(node.commandLines()).toContain("cfy agents install --all-tenants");
    }
  });
});

describe("8: no 4.x installer upgrades in place", () => {
  it("refuses up front with the way to do it, changing nothing", async () => {
    const node = newNode("4.5-ga");
    await node.runAll("post_install", "config", "init");
    node.writeInstaller(node.path("opt/cmom/installer/cloudify-manager-install.rpm"), "4.6-ga");
    node.clearCalls();
    const result = await node.run("upgrade");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/upgrades a manager in place \(cfy_manager upgrade arrives in 5\.1\.1\).*backup, cleanup/);
    expect(node.commandLines().filter((line) => /^rpm -U|^cfy_manager/.test(line))).toEqual([]);
    expect(node.state().rpm).toBe("4.5-ga");
  });
});

describe("10: cleanup deregisters a member and forgets its CLI profiles, so a reinstall rejoins", () => {
  it("removes the member through the leader, deletes the profiles, and the reinstalled node joins again", async () => {
    const { leader, member } = await cluster(V45);
    await member.runAll("cleanup");
    expect(member.commandLines()).toEqual(expect.arrayContaining([
      "cfy cluster nodes remove manager-1", "cfy profiles delete 127.0.0.1", "cfy profiles delete 10.0.0.11"]));
    expect(leader.registryContent().clusters["10.0.0.11"].map((node) => node.name)).toEqual(["manager-0"]);
    await member.runAll("config", "init", "cluster_join");
    expect(member.commandLines()).toContain(
      "cfy cluster join --cluster-host-ip 127.0.0.1 --cluster-node-name manager-1 10.0.0.11");
    expect(leader.registryContent().clusters["10.0.0.11"].map((node) => node.name)).toEqual(["manager-0", "manager-1"]);
  });
});

describe("11: a replica refuses REST calls with not_cluster_master", () => {
  it("the test stage passes on a cluster member whose REST answers so", async () => {
    const { member } = await cluster(V45);
    const replica = await startRestServer(fs.readFileSync(path.join(certs.dir, "external.crt"), "utf8"),
      fs.readFileSync(path.join(certs.dir, "external.key"), "utf8"), SECRETS.adminPassword, true);
    try {
      const result = await member.run("test", [], { CMOM_REST_PORT: String(replica.port) });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("not_cluster_master");
    } finally {
      await replica.close();
    }
  });
});

describe("12: restore options and clusters", () => {
  it("refuses a restore on a cluster node before uploading anything", async () => {
    const { leader } = await cluster(V45);
    const file = leader.path("snapshot.zip");
    fs.writeFileSync(file, "fake snapshot");
    const result = await leader.run("restore", [file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/in a Cloudify 4\.5 cluster: restore on a single manager/);
    expect(leader.commandLines().filter((line) => line.startsWith("cfy snapshots"))).toEqual([]);
  });

  it("takes only the options the version's CLI has, and --restore-certificates only with --no-reboot", async () => {
    const cases: [string, string[], RegExp | null][] = [
      ["4.4-ga", ["--ignore-plugin-failure"], /Cloudify 4\.4 has no --ignore-plugin-failure/],
      ["4.5.5-ga", ["--ignore-plugin-failure"], null],
      ["4.5.5-ga", ["--restore-certificates"], /reboots the manager under this stage: add --no-reboot/],
      ["4.5.5-ga", ["--no-reboot"], /--no-reboot applies only with --restore-certificates/],
    ];
    for (const [version, options, refusal] of cases) {
      const node = await installed(version);
      const file = node.path("snapshot.zip");
      fs.writeFileSync(file, "fake snapshot");
      const result = await node.run("restore", [file, ...options]);
      if (refusal) {
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(refusal);
        expect(node.commandLines().filter((line) => line.startsWith("cfy snapshots"))).toEqual([]);
      } else {
        expect(result.code, result.stderr).toBe(0);
      }
    }
  });
});

describe("13: redaction of the forms a secret is printed in", () => {
  it("masks a password printed as Python repr, URL-encoded, base64 and in a Basic header", async () => {
    const password = SECRETS.adminPassword;
    const forms = [
      JSON.stringify(password).slice(1, -1).replace(/\\"/g, '"'), // repr: backslashes doubled, double quotes kept
      encodeURIComponent(password),
      Buffer.from(password).toString("base64").replace(/=+$/, ""),
      Buffer.from(`admin:${password}`).toString("base64"),
    ];
    const node = newNode(V45);
    const script = node.path("opt/print-forms.sh");
    fs.writeFileSync(script, forms.map((form) => `printf '%s\\n' '${form.replace(/'/g, "'\\''")}'\n`).join(""));
    node.writeConfig({ scripts: [script] });
    await node.runAll("post_install", "config", "init");
    const log = fs.readFileSync(node.path("var/log/cmom/node-setup.log"), "utf8");
    for (const form of forms) expect(log).not.toContain(form);
  });
});

describe("supported versions", () => {
  it("refuses an unsupported installer before installing or upgrading anything, naming the version", async () => {
    const old = newNode("4.2-ga");
    const result = await old.run("post_install");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Cloudify 4\.2-ga is not supported \(supported: 4\.3 4\.4 4\.5 4\.6 \)/);
    expect(old.commandLines().filter((line) => /^rpm -[iU]/.test(line))).toEqual([]);

    const node = newNode(V45);
    await node.runAll("post_install");
    node.writeInstaller(node.path("opt/cmom/installer/cloudify-manager-install.rpm"), "5.0.5-ga");
    const upgrade = await node.run("upgrade");
    expect(upgrade.stderr).toMatch(/Cloudify 5\.0\.5-ga is not supported/);
    expect(node.state().rpm).toBe(V45);
  });
});
