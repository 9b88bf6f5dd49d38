import { createPrivateKey, X509Certificate } from "node:crypto";
import { PLACEHOLDER } from "./primitives";

/**
 * The nodes' certificates are signed on the operator's machine with cmom:cluster.caKey and verified against caCert: a key of
 * another pair, or a certificate that is no CA, would only fail on the nodes. Takes the raw namespace; names no key material.
 */
export function caPairProblems(cluster: unknown): string[] {
  const { caCert, caKey } = (cluster ?? {}) as { caCert?: unknown; caKey?: unknown };
  if (typeof caCert !== "string" || !caCert.includes("-----BEGIN CERTIFICATE-----")) return [];
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(caCert);
  } catch {
    return ["cmom:cluster.caCert: expected a PEM X.509 certificate, found text that does not decode as one"];
  }
  const problems = cert.ca ? [] : ["cmom:cluster.caCert: expected a CA certificate (basicConstraints CA:TRUE), found one that cannot sign the nodes' certificates"];
  if (typeof caKey !== "string" || PLACEHOLDER.test(caKey) || !caKey.includes("PRIVATE KEY-----")) return problems;
  try {
    if (!cert.checkPrivateKey(createPrivateKey(caKey))) {
      problems.push("cmom:cluster.caKey: expected the private key of cmom:cluster.caCert, found the key of another pair");
    }
  } catch {
    problems.push("cmom:cluster.caKey: expected a PEM private key, found text that does not decode as one");
  }
  return problems;
}
