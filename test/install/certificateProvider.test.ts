import { execFileSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { beforeAll, describe, expect, it } from "vitest";
import { certificateProvider, type CertificateOutputs, type CertificateProps } from "../../components/install/certificateProvider";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-cert-test-"));
const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" }).toString();

/** A CA made with the openssl CLI: the signing must hold against a CA nobody here wrote. */
function makeCa(name: string, keyArgs: string[]): { cert: string; key: string } {
  openssl("req", "-x509", "-newkey", ...keyArgs, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "30", "-subj", `/CN=${name}/O=test`);
  return { cert: fs.readFileSync(path.join(dir, `${name}.pem`), "utf8"), key: fs.readFileSync(path.join(dir, `${name}.key`), "utf8") };
}

let provider: dynamic.ResourceProvider<CertificateProps, CertificateOutputs>;
let ecCa: { cert: string; key: string };
let rsaCa: { cert: string; key: string };

beforeAll(async () => {
  // Loaded the way the engine loads it: from its serialized text.
  const serialized = await pulumi.runtime.serializeFunction(() => certificateProvider, { allowSecrets: true });
  provider = require("require-from-string")(serialized.text).handler();
  ecCa = makeCa("ec-ca", ["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]);
  rsaCa = makeCa("rsa-ca", ["rsa:2048"]);
});

/** What create stores for a new certificate. */
async function issue(inputs: CertificateProps): Promise<CertificateOutputs> {
  const { outs } = await provider.create(inputs);
  if (outs === undefined) throw new Error("create returned no outputs");
  return outs;
}

const props = (ca: { cert: string; key: string }, over: Partial<CertificateProps> = {}): CertificateProps => ({
  commonName: "node-0.example.com", organization: "cmom", dnsNames: ["node-0.example.com", "node-0"], ipAddresses: ["10.0.0.5", "192.0.2.7"],
  uses: ["server_auth", "client_auth"], caCertPem: ca.cert, caKeyPem: ca.key, validityHours: 48, earlyRenewalHours: 24, ...over,
});

/** openssl verify with the given purpose, against the CA alone. */
function verify(certPem: string, caFile: string, purpose: string): string {
  const file = path.join(dir, `leaf-${Date.now()}-${Math.random()}.pem`);
  fs.writeFileSync(file, certPem);
  return openssl("verify", "-CAfile", caFile, "-purpose", purpose, file).trim();
}

describe("certificateProvider", () => {
  for (const [kind, ca] of [["EC", () => ecCa], ["RSA", () => rsaCa]] as const) {
    it(`signs a node key and certificate that chain to an ${kind} CA, with the node's SANs and uses`, async () => {
      const outs = await issue(props(ca()));
      const cert = new X509Certificate(outs.certPem);
      expect(cert.verify(new X509Certificate(ca().cert).publicKey)).toBe(true);
      expect(cert.checkIssued(new X509Certificate(ca().cert))).toBe(true);
      const caFile = path.join(dir, kind === "EC" ? "ec-ca.pem" : "rsa-ca.pem");
      expect(verify(outs.certPem, caFile, "sslserver")).toMatch(/: OK$/);
      expect(verify(outs.certPem, caFile, "sslclient")).toMatch(/: OK$/);
      expect(cert.subjectAltName).toBe("DNS:node-0.example.com, DNS:node-0, IP Address:10.0.0.5, IP Address:192.0.2.7");
      expect(cert.subject).toBe("CN=node-0.example.com\nO=cmom");
      expect(cert.ca).toBe(false);
      expect(cert.checkPrivateKey(createPrivateKey(outs.privateKeyPem))).toBe(true);
      expect(outs.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
      const hours = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 3600_000;
      expect(Math.round(hours)).toBe(48);
      expect(outs.notAfter).toBe(new Date(Date.parse(cert.validTo)).toISOString());
    });
  }

  it("issues a server-only certificate that is refused for client authentication", async () => {
    const outs = await issue(props(ecCa, { uses: ["server_auth"] }));
    expect(verify(outs.certPem, path.join(dir, "ec-ca.pem"), "sslserver")).toMatch(/: OK$/);
    expect(() => verify(outs.certPem, path.join(dir, "ec-ca.pem"), "sslclient")).toThrow(/unsuitable certificate purpose/);
  });

  it("does not chain to another CA", async () => {
    const outs = await issue(props(ecCa));
    expect(() => verify(outs.certPem, path.join(dir, "rsa-ca.pem"), "sslserver")).toThrow(/unable to get local issuer certificate/);
  });

  it("reissues (replaces) when what the certificate says changes or its renewal window opens, and otherwise keeps it", async () => {
    const outs = await issue(props(ecCa));
    expect(await provider.diff!("id", outs, props(ecCa))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect((await provider.diff!("id", outs, props(ecCa, { ipAddresses: ["10.0.0.6", "192.0.2.7"] }))).replaces).toEqual(["ipAddresses"]);
    expect((await provider.diff!("id", outs, props(rsaCa))).replaces).toEqual(["caCertPem", "caKeyPem"]);
    // 48 h certificate, renewal 48 h before its end: due from the start.
    expect((await provider.diff!("id", outs, props(ecCa, { earlyRenewalHours: 48 }))).replaces).toEqual(["notAfter"]);
  });

  it("names a CA key type it cannot sign with", async () => {
    const ed = makeCa("ed-ca", ["ed448"]);
    await expect(provider.create(props(ed))).rejects.toThrow("cmom:cluster.caKey: expected an RSA key or an EC key on P-256, P-384 or P-521, found ed448");
  });
});
