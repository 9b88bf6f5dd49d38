import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parse, problems } from "../support/parseConfig";
import { exampleNamespaces, poolWithRealSecrets, PROJECT_DIR, TEST_SECRETS, type Namespaces } from "../support/exampleStacks";

type Mutable = Record<string, any>;

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

/** Pool example (3 nodes, DNS, LDAP, resources), changed by `edit`. */
function pool(edit: (ns: Mutable) => void): Namespaces {
  const ns = structuredClone(exampleNamespaces("pool")) as Mutable;
  edit(ns);
  return ns;
}

// Each rule: a change that breaks it, and the line expected among the problems (key path first).
const RULES: [string, (ns: Mutable) => void, string | RegExp][] = [
  ["platform is openstack or kubernetes", (ns) => { ns.platform = "vmware"; }, /^cmom:platform: /],
  ["unknown namespace", (ns) => { ns.openstak = {}; }, /^cmom:openstak: unknown key/],
  ["unknown nested key", (ns) => { ns.openstack.flavour = "m1"; }, "cmom:openstack.flavour: unknown key"],
  ["openstack required for openstack platform", (ns) => { delete ns.openstack; }, "cmom:openstack: required when cmom:platform is openstack"],
  ["cluster required for openstack platform", (ns) => { delete ns.cluster; }, "cmom:cluster: required when cmom:platform is openstack"],
  ["image absent when booting from a volume", (ns) => { ns.openstack.image = "centos7"; }, "cmom:openstack.image: must be absent when blockDevices boots from a volume"],
  ["image required otherwise", (ns) => { delete ns.openstack.blockDevices; }, /^cmom:openstack\.image: required unless/],
  ["flavor required", (ns) => { delete ns.openstack.flavor; }, "cmom:openstack.flavor: required"],
  ["network required", (ns) => { delete ns.openstack.network; }, "cmom:openstack.network: required"],
  ["subnet required", (ns) => { delete ns.openstack.subnet; }, "cmom:openstack.subnet: required"],
  ["keypair required", (ns) => { delete ns.openstack.keypair; }, "cmom:openstack.keypair: required"],
  ["server group policy is one of four", (ns) => { ns.openstack.serverGroupPolicy = "spread"; }, /^cmom:openstack\.serverGroupPolicy: /],
  ["ipMode is pool, private or floating", (ns) => { ns.openstack.ipMode = "public"; }, /^cmom:openstack\.ipMode: /],
  ["floatingNetwork required iff floating", (ns) => { ns.openstack.ipMode = "floating"; delete ns.openstack.resourcePool; }, "cmom:openstack.floatingNetwork: required when ipMode is floating"],
  ["floatingNetwork refused otherwise", (ns) => { ns.openstack.floatingNetwork = "public"; }, /^cmom:openstack\.floatingNetwork: only allowed when ipMode is floating/],
  ["resourcePool required iff pool", (ns) => { delete ns.openstack.resourcePool; }, "cmom:openstack.resourcePool: required when ipMode is pool"],
  ["resourcePool refused otherwise", (ns) => { ns.openstack.ipMode = "private"; }, /^cmom:openstack\.resourcePool: only allowed when ipMode is pool/],
  ["resourcePool has an entry per instance", (ns) => { ns.openstack.resourcePool.pop(); }, "cmom:openstack.resourcePool: 2 entries for 3 instances"],
  ["pool addresses are IPv4", (ns) => { ns.openstack.resourcePool[2].ipAddress = "10.20.0.300"; }, "cmom:openstack.resourcePool[2].ipAddress: not an IPv4 address"],
  ["pool addresses are unique", (ns) => { ns.openstack.resourcePool[1].ipAddress = "10.20.0.11"; }, "cmom:openstack.resourcePool[1].ipAddress: duplicate of resourcePool[0].ipAddress"],
  ["pool hostnames are valid", (ns) => { ns.openstack.resourcePool[0].hostname = "cfy_eu_1"; }, /^cmom:openstack\.resourcePool\[0\]\.hostname: not a valid host name/],
  ["pool hostnames are unique", (ns) => { ns.openstack.resourcePool[2].hostname = "CFY-EU-1"; }, "cmom:openstack.resourcePool[2].hostname: duplicate of resourcePool[0].hostname"],
  ["block device from an image needs its uuid", (ns) => { delete ns.openstack.blockDevices[0].uuid; }, "cmom:openstack.blockDevices[0].uuid: required when sourceType is image"],
  ["block device from an image needs a volume size", (ns) => { delete ns.openstack.blockDevices[0].volumeSize; }, /^cmom:openstack\.blockDevices\[0\]\.volumeSize: required/],
  ["block device source type", (ns) => { ns.openstack.blockDevices[0].sourceType = "iso"; }, /^cmom:openstack\.blockDevices\[0\]\.sourceType: /],
  ["someone must be allowed in", (ns) => { ns.openstack.allowedCidrs = []; }, /^cmom:openstack\.allowedCidrs: at least one CIDR/],
  ["allowed CIDRs are CIDRs", (ns) => { ns.openstack.allowedCidrs = ["10.0.0.0"]; }, /^cmom:openstack\.allowedCidrs\[0\]: not an IPv4 CIDR/],
  ["at least one instance", (ns) => { ns.cluster.instances = 0; }, /^cmom:cluster\.instances: /],
  ["instances is an integer", (ns) => { ns.cluster.instances = 2.5; }, /^cmom:cluster\.instances: /],
  ["name prefix makes host names", (ns) => { ns.cluster.namePrefix = "cfy manager"; }, /^cmom:cluster\.namePrefix: not a valid host-name prefix/],
  ["installer is a path or https URL", (ns) => { ns.cluster.installRpm = "http://repo.example.com/x.rpm"; }, "cmom:cluster.installRpm: must be a local path or an https:// URL"],
  ["installer checksum is SHA-256", (ns) => { ns.cluster.installRpmSha256 = "abc"; }, "cmom:cluster.installRpmSha256: not a SHA-256 hex digest"],
  ["admin password required (no default)", (ns) => { delete ns.cluster.adminPassword; }, "cmom:cluster.adminPassword: required"],
  ["SSH user required", (ns) => { delete ns.cluster.sshUser; }, "cmom:cluster.sshUser: required"],
  ["SSH key is a PEM private key", (ns) => { ns.cluster.sshPrivateKey = "ssh-rsa AAAA"; }, "cmom:cluster.sshPrivateKey: not a PEM private key"],
  ["CA certificate is PEM", (ns) => { ns.cluster.caCert = "cert"; }, "cmom:cluster.caCert: not a PEM certificate"],
  ["CA key is a PEM private key", (ns) => { ns.cluster.caKey = "key"; }, "cmom:cluster.caKey: not a PEM private key"],
  ["LDAP needs its password", (ns) => { delete ns.cluster.ldap.password; }, "cmom:cluster.ldap.password: required"],
  ["LDAP needs its server", (ns) => { delete ns.cluster.ldap.server; }, "cmom:cluster.ldap.server: required"],
  ["LDAP needs its domain", (ns) => { delete ns.cluster.ldap.domain; }, "cmom:cluster.ldap.domain: required"],
  ["LDAP needs its username", (ns) => { delete ns.cluster.ldap.username; }, "cmom:cluster.ldap.username: required"],
  ["files go to absolute paths", (ns) => { ns.cluster.files = [{ src: "a", dst: "etc/a" }]; }, "cmom:cluster.files[0].dst: must be an absolute path on the node"],
  ["pinned host keys name real nodes", (ns) => { ns.cluster.hostKeys = { "cfy-eu-9": "ssh-ed25519 AAAA" }; }, /^cmom:cluster\.hostKeys\.cfy-eu-9: no such node/],
  ["tenant names are Cloudify ids", (ns) => { ns.resources.tenants = ["1ops"]; }, /^cmom:resources\.tenants\[0\]: not a valid Cloudify id/],
  ["tenants are declared once", (ns) => { ns.resources.tenants = ["ops", "ops"]; }, "cmom:resources.tenants[1]: duplicate tenant ops"],
  ["tenant names users/user-groups are reserved", (ns) => { ns.resources.tenants = ["users"]; }, "cmom:resources.tenants[0]: reserved by Cloudify"],
  ["ids are at most 256 chars", (ns) => { ns.resources.deployments[0].deploymentId = `d${"x".repeat(256)}`; }, /^cmom:resources\.deployments\[0\]\.deploymentId: not a valid Cloudify id/],
  ["visibility is private, tenant or global", (ns) => { ns.resources.blueprints[0].visibility = "public"; }, /^cmom:resources\.blueprints\[0\]\.visibility: /],
  ["a secret has a string or a file", (ns) => { delete ns.resources.secrets[0].string; }, "cmom:resources.secrets[0]: exactly one of string and file"],
  ["a secret has not both", (ns) => { ns.resources.secrets[0].file = "secret.txt"; }, "cmom:resources.secrets[0]: exactly one of string and file"],
  ["a plugin has its yaml", (ns) => { ns.resources.plugins = [{ wagon: "p.wgn" }]; }, "cmom:resources.plugins[0].yaml: required"],
  ["a referenced tenant is declared", (ns) => { ns.resources.secrets[0].tenant = "dev"; }, /^cmom:resources\.secrets\[0\]\.tenant: tenant dev is neither in tenants nor in existing\.tenants/],
  ["a deployment's blueprint is declared", (ns) => { ns.resources.deployments[0].blueprintId = "other"; }, /^cmom:resources\.deployments\[0\]\.blueprintId: blueprint other is neither declared/],
  ["a declared blueprint in another tenant does not count", (ns) => { ns.resources.deployments[0].tenant = "default_tenant"; }, /^cmom:resources\.deployments\[0\]\.blueprintId: /],
  ["an execution's deployment is declared", (ns) => { ns.resources.executions = [{ workflowId: "install", deploymentId: "ghost", tenant: "ops" }]; }, /^cmom:resources\.executions\[0\]\.deploymentId: deployment ghost is neither declared/],
  ["blueprint ids are unique per tenant", (ns) => { ns.resources.blueprints.push({ ...ns.resources.blueprints[0] }); }, "cmom:resources.blueprints[1].id: duplicate of blueprints[0] in tenant ops"],
  ["a blueprint id must be derivable", (ns) => { ns.resources.blueprints[0].path = "blueprints/1.0/blueprint.yaml"; ns.resources.deployments = []; }, /^cmom:resources\.blueprints\[0\]\.id: cannot derive a valid Cloudify id/],
  ["blueprints upload from local paths", (ns) => { ns.resources.blueprints[0].path = "https://example.com/bp.zip"; }, "cmom:resources.blueprints[0].path: must be a local path (URLs are not supported)"],
  ["plugins upload from local paths", (ns) => { ns.resources.plugins = [{ wagon: "https://example.com/p.wgn", yaml: "p.yaml" }]; }, "cmom:resources.plugins[0].wagon: must be a local path (URLs are not supported)"],
  ["a blueprint's filename agrees with its path", (ns) => { ns.resources.blueprints[0].filename = "main.yaml"; }, "cmom:resources.blueprints[0].filename: conflicts with path, which names blueprint.yaml as the main file"],
  ["restore names one source", (ns) => { ns.restore = { snapshotPath: "a.zip", fromStack: "old", snapshotId: "s1" }; }, "cmom:restore: give either snapshotPath or fromStack + snapshotId, not both and not neither"],
  ["restore names a source", (ns) => { ns.restore = {}; }, "cmom:restore: give either snapshotPath or fromStack + snapshotId, not both and not neither"],
  ["fromStack goes with snapshotId", (ns) => { ns.restore = { fromStack: "old" }; }, "cmom:restore.snapshotId: fromStack and snapshotId go together"],
  ["noReboot requires restoreCertificates", (ns) => { ns.restore = { snapshotPath: "a.zip", params: { noReboot: true } }; }, "cmom:restore.params.noReboot: requires params.restoreCertificates"],
  ["snapshot ids are Cloudify ids", (ns) => { ns.backup = { snapshotId: "2024 backup" }; }, /^cmom:backup\.snapshotId: not a valid Cloudify id/],
  ["zone is fully qualified", (ns) => { ns.dns.zone = "cloud.example.com"; }, /^cmom:dns\.zone: not a fully qualified zone name ending in '\.'/],
  ["a created zone needs an email", (ns) => { delete ns.dns.email; }, "cmom:dns.email: required when createZone is true"],
  ["a record name per node", (ns) => { ns.dns.nodeRecords = ["a", "b"]; }, "cmom:dns.nodeRecords: 2 names for 3 instances"],
  ["record names are unique", (ns) => { ns.dns.nodeRecords = ["a", "b", "a"]; }, "cmom:dns.nodeRecords[2]: duplicate record name a"],
  ["entry point differs from node records", (ns) => { ns.dns.nodeRecords = ["a", "b", "c"]; ns.dns.entryPoint = "b"; }, "cmom:dns.entryPoint: b is also a node record"],
  ["record names are relative", (ns) => { ns.dns.entryPoint = "cloudify.example.com."; }, /^cmom:dns\.entryPoint: not a relative DNS name/],
  ["ttl is positive", (ns) => { ns.dns.ttl = 0; }, /^cmom:dns\.ttl: /],
  ["openstack settings are refused on kubernetes", (ns) => { ns.platform = "kubernetes"; }, "cmom:openstack: only used when cmom:platform is openstack"],
];

describe("stack config rules", () => {
  it("accepts every example stack", () => {
    for (const stack of ["pool", "floating", "private"]) expect(problems(exampleNamespaces(stack)), stack).toEqual([]);
  });

  it.each(RULES)("%s", (_rule, edit, expected) => {
    const found = problems(pool(edit));
    if (typeof expected === "string") expect(found).toContain(expected);
    else expect(found.some((p) => expected.test(p)), `${expected} in:\n${found.join("\n")}`).toBe(true);
  });

  it("reports every problem together, each with its key path", () => {
    const found = problems(pool((ns) => {
      ns.openstack.resourcePool[0].ipAddress = "nope";
      delete ns.cluster.sshUser;
      ns.dns.zone = "x";
      ns.bogus = 1;
    }));
    expect(found).toEqual(expect.arrayContaining([
      "cmom:openstack.resourcePool[0].ipAddress: not an IPv4 address",
      "cmom:cluster.sshUser: required",
      expect.stringMatching(/^cmom:dns\.zone: /),
      expect.stringMatching(/^cmom:bogus: unknown key/),
    ]));
  });

  it("names every missing local file in a real update; in a preview only inputs files, which every run reads", () => {
    const ns = pool((n) => {
      n.cluster.scripts = ["scripts/missing.sh"];
      n.resources.secrets[0] = { key: "k", file: "missing-secret.txt", tenant: "ops" };
      n.resources.plugins = [{ wagon: "missing.wgn", yaml: "missing-plugin.yaml" }];
      n.resources.deployments[0].inputs = "missing-inputs.yaml";
      n.restore = { snapshotPath: "missing.zip" };
    });
    // Relative paths start at the stack file's directory, stacks/: the problems name them as read from the project.
    expect(problems(ns)).toEqual(["cmom:resources.deployments[0].inputs: no such file stacks/missing-inputs.yaml"]);
    expect(problems(ns, { checkLocalFiles: true }).sort()).toEqual([
      "cmom:cluster.installRpm: no such file installers/cloudify-manager-install-4.6.rpm",
      "cmom:cluster.scripts[0]: no such file stacks/scripts/missing.sh",
      "cmom:resources.deployments[0].inputs: no such file stacks/missing-inputs.yaml",
      "cmom:resources.plugins[0].wagon: no such file stacks/missing.wgn",
      "cmom:resources.plugins[0].yaml: no such file stacks/missing-plugin.yaml",
      "cmom:resources.secrets[0].file: no such file stacks/missing-secret.txt",
      "cmom:restore.snapshotPath: no such file stacks/missing.zip",
    ]);
  });

  it("starts relative local paths at the stack file's directory, takes absolute ones as given, refuses one leading out of the project", () => {
    const elsewhere = { stackDir: path.join(PROJECT_DIR, "deploy", "site"), projectDir: PROJECT_DIR };
    const ns = pool((n) => {
      n.resources.blueprints[0].path = "../../examples/blueprints/hello-world";
      n.cluster.installRpm = "/srv/installers/cloudify-manager-install-4.6.rpm";
      n.cluster.files = [{ src: "motd", dst: "/etc/motd" }];
      n.backup = { dir: "../../backups" };
    });
    const config = parse(ns, { paths: elsewhere });
    expect(config.resources.blueprints[0]).toMatchObject({ id: "hello-world", folder: "examples/blueprints/hello-world" });
    expect(config.cluster.installRpm).toBe("/srv/installers/cloudify-manager-install-4.6.rpm");
    expect(config.cluster.files[0]!.src).toBe("deploy/site/motd");
    expect(config.backup.dir).toBe("backups");
    // The same paths from stacks/, one directory up: two levels up leave the project.
    expect(problems(ns)).toEqual(expect.arrayContaining([
      "cmom:backup.dir: expected an absolute path or a path inside the project, relative to the stack file's directory (stacks); found ../../backups, which leads out of the project",
      "cmom:resources.blueprints[0].path: expected an absolute path or a path inside the project, relative to the stack file's directory (stacks); found ../../examples/blueprints/hello-world, which leads out of the project",
    ]));
  });

  it("refuses placeholders in a real update but accepts them in a preview", () => {
    expect(problems(exampleNamespaces("pool"), { allowPlaceholders: true })).toEqual([]);
    const found = problems(exampleNamespaces("pool"), { allowPlaceholders: false });
    for (const key of ["cluster.adminPassword", "cluster.sshPrivateKey", "cluster.caKey", "cluster.ldap.password", "resources.secrets[0].string"]) {
      expect(found.some((p) => p.startsWith(`cmom:${key}: still the example placeholder`)), key).toBe(true);
    }
  });

  it("refuses secret values that were not set with --secret", () => {
    const found = problems(poolWithRealSecrets(), { plainKeys: ["platform", "openstack", "dns", "cluster"] });
    expect(found).toEqual(["cluster.adminPassword", "cluster.sshPrivateKey", "cluster.caKey", "cluster.ldap.password"]
      .map((key) => `cmom:${key}: a secret in plain text; set it with \`pulumi config set --secret --path '${key}' < file\``));
  });

  it("applies the documented defaults", () => {
    const floating = parse(exampleNamespaces("floating"));
    expect(floating.openstack!.serverGroupPolicy).toBe("anti-affinity");
    expect(floating.cluster!.adminUsername).toBe("admin");
    expect(floating.backup).toMatchObject({ dir: "snapshots/teststack", includeCredentials: true, includeMetrics: false });
    const defaults = parse(pool((ns) => { delete ns.cluster.instances; ns.openstack.resourcePool.pop(); ns.restore = { snapshotPath: "s.zip" }; }));
    expect(defaults.cluster!.instances).toBe(2);
    expect(defaults.restore!.transferAgents).toBe(true);
    const resources = parse(pool(() => undefined)).resources;
    expect(resources.blueprints[0]).toMatchObject({ id: "hello-world", folder: "examples/blueprints/hello-world", filename: "blueprint.yaml", visibility: "tenant" });
    const byFolder = parse(pool((ns) => { ns.resources.blueprints[0].path = "../examples/blueprints/hello-world"; })).resources.blueprints[0];
    expect(byFolder).toMatchObject({ id: "hello-world", folder: "examples/blueprints/hello-world", filename: "blueprint.yaml" });
    expect(resources.deployments[0]).toMatchObject({ deploymentId: "hello", blueprintId: "hello-world" });
  });

  it("turns every secret field into a Pulumi secret", async () => {
    const config = parse(poolWithRealSecrets());
    const secrets = [config.cluster!.adminPassword, config.cluster!.sshPrivateKey, config.cluster!.caKey, config.cluster!.ldap!.password, config.resources.secrets[0]!.string!];
    for (const secret of secrets) expect(await pulumi.isSecret(secret)).toBe(true);
    expect(await valueOf(config.cluster!.adminPassword)).toBe(TEST_SECRETS.adminPassword);
  });
});
