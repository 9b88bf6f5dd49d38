import * as fs from "node:fs";
import * as path from "node:path";
import { readStackFile } from "../../scripts/plan/stackFile";

export const PROJECT_DIR = path.resolve(__dirname, "../..");
/** Where the example stacks' relative paths start, as for any stack file in stacks/. */
export const EXAMPLE_PATHS = { stackDir: path.join(PROJECT_DIR, "stacks"), projectDir: PROJECT_DIR } as const;

export const TEST_CA_CERT = fs.readFileSync(path.join(__dirname, "tls/ca-cert.pem"), "utf8");

/** Concrete secret values that tests plant in a stack, to prove they never leak. */
export const TEST_SECRETS = {
  adminPassword: "adm1n-Pa55-7c1f0e",
  ldapPassword: "ldap-bind-Pa55-93be",
  secretString: "tenant-secret-value-5d2a",
  /** A real CA key (test only): the loader checks it against caCert, so poolWithRealSecrets sets TEST_CA_CERT too. */
  caKey: fs.readFileSync(path.join(__dirname, "tls/ca-key.pem"), "utf8"),
  sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUSSHKEYSSHKEYSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n",
} as const;

export type Namespaces = Record<string, unknown>;

/** An example stack's `cmom:*` config as objects (namespace without prefix → value). */
export function exampleNamespaces(stack: string): Namespaces {
  const { config } = readStackFile(PROJECT_DIR, stack);
  return Object.fromEntries(Object.entries(config).map(([key, text]) => [key.replace(/^cmom:/, ""), parseOrString(text)]));
}

/** The pool example with every placeholder replaced by a TEST_SECRETS value. */
export function poolWithRealSecrets(): Namespaces {
  const ns = structuredClone(exampleNamespaces("pool")) as Record<string, any>;
  ns.cluster.adminPassword = TEST_SECRETS.adminPassword;
  ns.cluster.caKey = TEST_SECRETS.caKey;
  ns.cluster.caCert = TEST_CA_CERT;
  ns.cluster.sshPrivateKey = TEST_SECRETS.sshPrivateKey;
  ns.cluster.ldap.password = TEST_SECRETS.ldapPassword;
  ns.resources.secrets[0].string = TEST_SECRETS.secretString;
  return ns;
}

/** Namespaces → the `cmom:*` string map Pulumi hands the program; every namespace marked secret unless listed as plain. */
export function toPulumiConfig(ns: Namespaces, plainKeys: string[] = ["platform", "openstack", "dns", "restore", "backup"]) {
  const config = Object.fromEntries(Object.entries(ns).map(([k, v]) => [`cmom:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
  const secretKeys = Object.keys(ns).filter((k) => !plainKeys.includes(k)).map((k) => `cmom:${k}`);
  return { config, secretKeys };
}

function parseOrString(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
