// The engine rebuilds this provider in another process from its serialized text. Hence no top-level imports except
// types, and modules required inside the functions; nothing secret is captured: the CA key arrives as a secret input.
import type { KeyObject, webcrypto } from "node:crypto";
import type * as dynamic from "@pulumi/pulumi/dynamic";

export type CertificateUse = "server_auth" | "client_auth";

export interface CertificateProps {
  readonly commonName: string;
  readonly organization: string;
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly uses: CertificateUse[];
  readonly caCertPem: string;
  /** Secret; used here to sign and nowhere else. */
  readonly caKeyPem: string;
  readonly validityHours: number;
  /** Within this many hours of its end, the next `pulumi up` issues a new key and certificate. */
  readonly earlyRenewalHours: number;
}

export interface CertificateOutputs extends CertificateProps {
  /** The node certificate alone (PEM). */
  readonly certPem: string;
  /** Secret: the node's new RSA key (PKCS#1 PEM). */
  readonly privateKeyPem: string;
  /** ISO time the certificate ends. */
  readonly notAfter: string;
}

/** The inputs whose change issues a new key and certificate. */
const REISSUE_ON = ["commonName", "organization", "dnsNames", "ipAddresses", "uses", "caCertPem", "caKeyPem", "validityHours"] as const;

/**
 * A node key and a certificate for it signed by the cluster's CA, on the operator's machine: the CA key is never sent
 * anywhere. Nothing is read back on refresh; a change of what the certificate says, or its renewal window, replaces it.
 */
export const certificateProvider: dynamic.ResourceProvider<CertificateProps, CertificateOutputs> = {
  async create(inputs) {
    const crypto: typeof import("node:crypto") = require("node:crypto");
    return { id: crypto.randomUUID(), outs: { ...inputs, ...(await issue(inputs)) } };
  },
  async diff(_id, olds, news) {
    const replaces: string[] = REISSUE_ON.filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
    if (Date.now() >= Date.parse(olds.notAfter) - news.earlyRenewalHours * 3600_000) replaces.push("notAfter");
    const changes = replaces.length > 0 || olds.earlyRenewalHours !== news.earlyRenewalHours;
    return { changes, replaces, deleteBeforeReplace: false };
  },
  async update(_id, olds, news) {
    return { outs: { ...news, certPem: olds.certPem, privateKeyPem: olds.privateKeyPem, notAfter: olds.notAfter } };
  },
};

async function issue(props: CertificateProps): Promise<Pick<CertificateOutputs, "certPem" | "privateKeyPem" | "notAfter">> {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  // @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill loaded first.
  require("reflect-metadata");
  const x509: typeof import("@peculiar/x509") = require("@peculiar/x509");
  const ca = new x509.X509Certificate(props.caCertPem);
  const caKey = crypto.createPrivateKey(props.caKeyPem);
  const signing = signingAlgorithm(caKey);
  const signingKey = await crypto.webcrypto.subtle.importKey("pkcs8", caKey.export({ format: "der", type: "pkcs8" }), signing.importParams, false, ["sign"]);
  const node = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicKey = node.publicKey.export({ format: "der", type: "spki" });
  const caKeyId = ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000); // certificates keep whole seconds
  const notAfter = new Date(notBefore.getTime() + props.validityHours * 3600_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: crypto.randomBytes(16).toString("hex").replace(/^[89a-f]/, "1"),
    subject: [{ CN: [props.commonName] }, { O: [props.organization] }],
    issuer: ca.subjectName,
    notBefore,
    notAfter,
    publicKey,
    signingKey,
    signingAlgorithm: signing.signParams,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(props.uses.map((use) => (use === "server_auth" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth))),
      new x509.SubjectAlternativeNameExtension([
        ...props.dnsNames.map((value) => ({ type: "dns" as const, value })),
        ...props.ipAddresses.map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      ...(caKeyId === undefined ? [] : [new x509.AuthorityKeyIdentifierExtension(caKeyId)]),
    ],
  }, crypto.webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[1]);
  return {
    certPem: cert.toString("pem"),
    privateKeyPem: node.privateKey.export({ format: "pem", type: "pkcs1" }).toString(),
    notAfter: notAfter.toISOString(),
  };
}

/** WebCrypto parameters for the CA's key: RSA (PKCS#1 v1.5) or ECDSA on a NIST curve, hashed as strong as the curve. */
function signingAlgorithm(caKey: KeyObject): { importParams: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams; signParams: webcrypto.Algorithm | webcrypto.EcdsaParams } {
  if (caKey.asymmetricKeyType === "rsa") {
    return { importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, signParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } };
  }
  const curves: Record<string, [string, string]> = { prime256v1: ["P-256", "SHA-256"], secp384r1: ["P-384", "SHA-384"], secp521r1: ["P-521", "SHA-512"] };
  const curve = caKey.asymmetricKeyType === "ec" ? curves[caKey.asymmetricKeyDetails?.namedCurve ?? ""] : undefined;
  if (curve === undefined) {
    throw new Error(`cmom:cluster.caKey: expected an RSA key or an EC key on P-256, P-384 or P-521, found ${caKey.asymmetricKeyType} ${caKey.asymmetricKeyDetails?.namedCurve ?? ""}`.trim());
  }
  return { importParams: { name: "ECDSA", namedCurve: curve[0] }, signParams: { name: "ECDSA", hash: curve[1] } };
}
