// node.json has one contract, components/install/nodeJsonSchema.ts: the deploying side writes it through the schema,
// and cmom-node-setup's validation accepts exactly the documents the schema accepts.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeJsonSchema, type NodeJson } from "../../components/install/nodeJsonSchema";
import { revealSecrets } from "../../scripts/plan/recordingMocks";
import { exampleNamespaces } from "../support/exampleStacks";
import { named } from "../support/resources";
import { runProgram } from "../support/runProgram";
import { TOOL } from "./fakes/harness";

const HELPER = path.join(path.dirname(TOOL), "cmom-node-setup-helper.py");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-node-json-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** True when the tool's validation accepts the document. */
function toolAccepts(document: unknown): boolean {
  const file = path.join(dir, "node.json");
  fs.writeFileSync(file, JSON.stringify(document));
  try {
    execFileSync(process.env.CMOM_PYTHON ?? "python3", [HELPER, "validate"], {
      env: { ...process.env, _CMOM_CFG_PATH: file, _CMOM_CFG_FORMAT: "json" }, stdio: "pipe",
    });
    return true;
  } catch {
    return false;
  }
}

const valid: NodeJson = {
  nodeName: "manager-0", privateIp: "10.0.0.11", publicIp: "203.0.113.10", fqdn: "manager-0.example.test",
  adminUsername: "admin", adminPassword: "Adm1n-pass",
  ldap: { server: "ldap://ldap.example.test", username: "cn=admin", password: "Ldap-pass", domain: "example.test",
    dnExtra: null, isActiveDirectory: false },
  additionalConfig: { restservice: { log: { level: "DEBUG" } } },
  installer: { url: "https://repo.example.test/cloudify-manager-install.rpm", sha256: "ab".repeat(32) },
  certificates: { dir: "/etc/cmom/certs" },
  files: [{ src: "/opt/cmom/files/0/a", dst: "/etc/a" }],
  scripts: ["/opt/cmom/scripts/0/s.sh"],
  statusTimeoutSeconds: 900,
  cluster: { role: "member", leaderIp: "10.0.0.10", nodeName: "manager-0" },
};

type Change = (doc: Record<string, any>) => void;
/** Documents around the valid one: each either stays inside the contract or steps just outside it. */
const changes: Record<string, Change> = {
  "as is": () => {},
  "minimal": (d) => {
    for (const key of ["fqdn", "ldap", "additionalConfig", "files", "scripts", "statusTimeoutSeconds", "cluster"]) delete d[key];
  },
  "nulls where allowed": (d) => Object.assign(d, { fqdn: null, ldap: null, cluster: null }),
  "an rpm installer": (d) => { d.installer = { rpm: "/opt/cmom/installer/cloudify-manager-install.rpm" }; },
  "a url without checksum": (d) => { d.installer = { url: "https://x.example.test/i.rpm" }; },
  "a leader without leaderIp": (d) => { d.cluster = { role: "leader", nodeName: "manager-0" }; },
  "an unknown key": (d) => { d.adminPasword = "typo"; },
  "an unknown ldap key": (d) => { d.ldap.port = 389; },
  "an unknown cluster key": (d) => { d.cluster.leader = true; },
  "an unknown file key": (d) => { d.files[0].mode = "0600"; },
  "both rpm and url": (d) => { d.installer.rpm = "/opt/i.rpm"; },
  "an http url": (d) => { d.installer.url = "http://x.example.test/i.rpm"; },
  "a url ending in a newline": (d) => { d.installer.url += "\n"; },
  "a short checksum": (d) => { d.installer.sha256 = "ab"; },
  "an empty name": (d) => { d.nodeName = ""; },
  "a numeric address": (d) => { d.privateIp = 10; },
  "a missing password": (d) => { delete d.adminPassword; },
  "a NUL in the password": (d) => { d.adminPassword = "a\0b"; },
  "a relative certificates dir": (d) => { d.certificates.dir = "certs"; },
  "a relative script": (d) => { d.scripts = ["s.sh"]; },
  "a relative file destination": (d) => { d.files[0].dst = "etc/a"; },
  "a zero timeout": (d) => { d.statusTimeoutSeconds = 0; },
  "a fractional timeout": (d) => { d.statusTimeoutSeconds = 1.5; },
  "a boolean timeout": (d) => { d.statusTimeoutSeconds = true; },
  "a null additionalConfig": (d) => { d.additionalConfig = null; },
  "a list additionalConfig": (d) => { d.additionalConfig = []; },
  "a member without leaderIp": (d) => { delete d.cluster.leaderIp; },
  "an unknown role": (d) => { d.cluster.role = "observer"; },
  "a string isActiveDirectory": (d) => { d.ldap.isActiveDirectory = "no"; },
  "an empty ldap domain": (d) => { d.ldap.domain = ""; },
  "the password cloudify": (d) => { d.adminPassword = "cloudify"; },
  "the password Manager": (d) => { d.adminPassword = "Manager"; },
  "a 7-character password": (d) => { d.adminPassword = "x7#kQ2p"; },
  "the ldap password running": (d) => { d.ldap.password = "running"; },
  "an 8-character password": (d) => { d.adminPassword = "x7#kQ2p9"; },
};

describe("node.json contract", () => {
  it.each(Object.entries(changes))("the tool decides like the schema on %s", (_name, change) => {
    const document = structuredClone(valid) as Record<string, any>;
    change(document);
    const schemaAccepts = nodeJsonSchema.safeParse(document).success;
    expect(toolAccepts(document)).toBe(schemaAccepts);
  });

  it("both sides have cases they accept and cases they refuse", () => {
    const verdicts = Object.values(changes).map((change) => {
      const document = structuredClone(valid) as Record<string, any>;
      change(document);
      return nodeJsonSchema.safeParse(document).success;
    });
    expect(verdicts.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(verdicts.filter((verdict) => !verdict).length).toBeGreaterThanOrEqual(20);
  });

  it("what the deploying side writes for every node of an example stack is accepted by both", async () => {
    const { resources } = await runProgram(exampleNamespaces("pool"));
    const written = resources.filter((r) => r.name.endsWith("-node-json"));
    expect(written.length).toBeGreaterThanOrEqual(3);
    for (const resource of written) {
      const document = JSON.parse(String(revealSecrets(named(resources, resource.name).inputs.stdin)));
      expect(nodeJsonSchema.safeParse(document).success).toBe(true);
      expect(toolAccepts(document)).toBe(true);
    }
  });
});
