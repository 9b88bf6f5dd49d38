// Secrets of node.json never reach a command line, the tool's output, its logs or the support bundle.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Certificates, FakeNode, leakedSecrets, makeCertificates, RunResult, SECRETS, startRestServer } from "./fakes/harness";

let certs: Certificates;
let rest: Awaited<ReturnType<typeof startRestServer>>;
let leader: FakeNode;
let member: FakeNode;
let scratch: string;
const results: RunResult[] = [];

function secretConfig(name: string, ip: string, role: "leader" | "member") {
  return {
    nodeName: name, privateIp: ip,
    ldap: {
      server: "ldaps://ldap.example.test", username: "cn=reader,dc=example,dc=test", password: SECRETS.ldapPassword,
      domain: "example.test", dnExtra: "ou=people", isActiveDirectory: false,
    },
    additionalConfig: { postgresql_server: { postgres_password: SECRETS.additionalSecret } },
    cluster: { role, leaderIp: "127.0.0.1", nodeName: name },
  };
}

async function run(node: FakeNode, stage: string, args: string[] = []) {
  const result = await node.run(stage, args, { CMOM_REST_PORT: String(rest.port) });
  results.push(result);
  expect([stage, result.code, result.stderr]).toEqual([stage, 0, ""]);
  return result;
}

beforeAll(async () => {
  certs = makeCertificates();
  rest = await startRestServer(
    fs.readFileSync(path.join(certs.dir, "external.crt"), "utf8"),
    fs.readFileSync(path.join(certs.dir, "external.key"), "utf8"),
  );
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-secrets-"));
  const registry = path.join(scratch, "registry.json");
  leader = new FakeNode(certs, secretConfig("manager-0", "127.0.0.1", "leader"), registry);
  member = new FakeNode(certs, secretConfig("manager-1", "10.0.0.12", "member"), registry);
  for (const stage of ["post_install", "config", "init", "test", "cluster_start", "backup"]) await run(leader, stage);
  for (const stage of ["post_install", "config", "init", "cluster_join"]) await run(member, stage);
  // The manager's own logs may hold secrets too: the bundle must redact them.
  fs.mkdirSync(leader.path("var/log/cloudify/rest"), { recursive: true });
  fs.writeFileSync(leader.path("var/log/cloudify/rest/cloudify-rest-service.log"),
    `ldap bind with {"password": ${JSON.stringify(SECRETS.ldapPassword)}}\nadmin ${SECRETS.adminPassword}\n`);
  // Rotated logs are compressed: a byte-wise redaction cannot see into them.
  fs.writeFileSync(leader.path("var/log/cloudify/rest/cloudify-rest-service.log.1.gz"), gzipSync(`admin ${SECRETS.adminPassword}\n`));
  fs.writeFileSync(leader.path("var/log/cloudify/rest/old.log.bz2"), Buffer.concat([Buffer.from("BZh9"), Buffer.from(SECRETS.adminPassword)]));
}, 120_000);

afterAll(async () => {
  await rest.close();
  for (const node of [leader, member]) node.remove();
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(path.dirname(certs.dir), { recursive: true, force: true });
});

describe("secrets", () => {
  it("never appear in the argv of any command the tool ran; the cfy CLI got them through its environment", () => {
    for (const node of [leader, member]) {
      const calls = node.calls();
      expect(calls.some((call) => call.cmd === "curl")).toBe(node === leader); // the test stage's REST check
      for (const call of calls) expect([call.cmd, leakedSecrets(call.argv.join("\u0000"))]).toEqual([call.cmd, []]);
      const cfyCalls = calls.filter((call) => call.cmd === "cfy");
      expect(cfyCalls.length).toBeGreaterThan(3);
      for (const call of cfyCalls) {
        expect(call.env).toMatchObject({
          CLOUDIFY_USERNAME: "admin", CLOUDIFY_PASSWORD: SECRETS.adminPassword, CLOUDIFY_TENANT: "default_tenant",
          LOCAL_REST_CERT_FILE: node.path("etc/cmom/certs/ca.pem"),
        });
      }
    }
  });

  it("never appear in the tool's output or its root-only logs, though the installer printed one", () => {
    expect(leakedSecrets(results.map((r) => r.stdout + r.stderr).join("\n"))).toEqual([]);
    for (const node of [leader, member]) {
      const log = fs.readFileSync(node.path("var/log/cmom/node-setup.log"), "utf8");
      expect(log).toContain("Manager password is ***REDACTED***");
      expect(leakedSecrets(log)).toEqual([]);
      expect(node.mode("var/log/cmom/node-setup.log").toString(8)).toBe("600");
    }
    expect(leakedSecrets(fs.readFileSync(leader.path("var/log/cmom/test.log"), "utf8"))).toEqual([]);
  });

  it("are redacted everywhere in the support bundle, which holds logs, config and status", async () => {
    const first = await run(leader, "support_bundle");
    const hostname = os.hostname();
    const bundle = leader.path(`tmp/cmom/cmom_${hostname}.tar.gz`);
    expect(first.stdout).toContain(bundle);
    await run(leader, "support_bundle"); // a rerun rewrites the same bundle
    expect(leader.mode(`tmp/cmom/cmom_${hostname}.tar.gz`).toString(8)).toBe("600");
    expect(fs.readdirSync(leader.path("tmp/cmom"))).toEqual([`cmom_${hostname}.tar.gz`]);

    const extracted = fs.mkdtempSync(path.join(scratch, "bundle-"));
    execFileSync("tar", ["-xzf", bundle, "-C", extracted]);
    const top = path.join(extracted, `cmom_${hostname}`);
    const files = (fs.readdirSync(top, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(top, f)).isFile());
    expect(files).toEqual(expect.arrayContaining([
      "config.yaml", "node.json", "logs/cmom/node-setup.log", "logs/cmom/test.log",
      "logs/cloudify/rest/cloudify-rest-service.log", "commands/status.txt", "commands/cluster-nodes.txt",
      "commands/package.txt"]));
    for (const file of files) {
      const content = fs.readFileSync(path.join(top, file), "utf8");
      expect([file, leakedSecrets(content)]).toEqual([file, []]);
    }
    const config = JSON.parse(fs.readFileSync(path.join(top, "config.yaml"), "utf8"));
    expect(config.manager.security).toEqual({ ssl_enabled: true, admin_username: "admin", admin_password: "***REDACTED***" });
    expect(config.restservice.ldap.password).toBe("***REDACTED***");
    expect(config.restservice.ldap.server).toBe("ldaps://ldap.example.test");
    expect(fs.readFileSync(path.join(top, "logs/cloudify/rest/cloudify-rest-service.log"), "utf8")).toBe(
      'ldap bind with {"password": "***REDACTED***"}\nadmin ***REDACTED***\n');
    expect(fs.readFileSync(path.join(top, "commands/status.txt"), "utf8")).toContain("Manager Rest-Service");
    // A rotated (gzip) log is redacted inside; another compressed file is left out, with a note.
    expect(gunzipSync(fs.readFileSync(path.join(top, "logs/cloudify/rest/cloudify-rest-service.log.1.gz"))).toString()).toBe("admin ***REDACTED***\n");
    expect(files).not.toContain("logs/cloudify/rest/old.log.bz2");
    expect(files).toContain("logs/cloudify/rest/old.log.bz2.left-out");
  });

  it("writes a named bundle to a given destination", async () => {
    const dest = fs.mkdtempSync(path.join(scratch, "dest-"));
    await run(member, "support_bundle", ["SB12345", dest]);
    expect(fs.existsSync(path.join(dest, "cmom", "cmom_SB12345.tar.gz"))).toBe(true);
  });
});
