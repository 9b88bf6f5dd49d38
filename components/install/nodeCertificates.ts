import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export interface NodeCertificatesArgs {
  /** The node's host name: a DNS SAN, and the common name when there is no fqdn. */
  readonly nodeName: string;
  readonly privateIp: pulumi.Input<string>;
  readonly publicIp: pulumi.Input<string>;
  /** The node's DNS name, when DNS is configured. */
  readonly fqdn?: pulumi.Input<string>;
  /** PEM of the CA that signs the node certificates. */
  readonly caCert: string;
  /** PEM private key of that CA (secret). Used by the signing resources on the operator side only. */
  readonly caKey: pulumi.Input<string>;
  /** Default 2 years; `pulumi up` renews a certificate in its last 30 days. */
  readonly validityHours?: number;
}

export interface IssuedCertificate {
  /** The node certificate followed by the CA certificate: what the manager serves. */
  readonly chainPem: pulumi.Output<string>;
  /** Secret. */
  readonly privateKeyPem: pulumi.Output<string>;
}

const RENEW_BEFORE_HOURS = 30 * 24;

/**
 * The node's external (UI/REST) and internal (agents, services) certificates, each with its own key, signed here by the
 * configured CA — unlike the reference, which shipped the CA key to every node to sign there. SANs: private IP, public IP,
 * DNS name (fqdn, else the node name).
 */
export class NodeCertificates extends pulumi.ComponentResource {
  readonly external: IssuedCertificate;
  readonly internal: IssuedCertificate;

  constructor(name: string, args: NodeCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmom:install:NodeCertificates", name, {}, opts);
    const fqdn = pulumi.output(args.fqdn);
    const subject = { commonName: fqdn.apply((f) => f ?? args.nodeName), organization: "cmom" };
    const dnsNames = fqdn.apply((f) => unique([f, args.nodeName]));
    const ipAddresses = pulumi.all([args.privateIp, args.publicIp]).apply(unique);

    const issue = (purpose: string, allowedUses: string[]): IssuedCertificate => {
      const key = new tls.PrivateKey(`${name}-${purpose}-key`, { algorithm: "RSA", rsaBits: 2048 }, { parent: this });
      const request = new tls.CertRequest(`${name}-${purpose}-csr`, { privateKeyPem: key.privateKeyPem, subject, dnsNames, ipAddresses }, { parent: this });
      const cert = new tls.LocallySignedCert(`${name}-${purpose}-cert`, {
        certRequestPem: request.certRequestPem,
        caCertPem: args.caCert,
        caPrivateKeyPem: pulumi.secret(args.caKey),
        validityPeriodHours: args.validityHours ?? 2 * 365 * 24,
        earlyRenewalHours: RENEW_BEFORE_HOURS,
        allowedUses: ["digital_signature", "key_encipherment", ...allowedUses],
      }, { parent: this });
      return {
        chainPem: cert.certPem.apply((pem) => `${pem.trimEnd()}\n${args.caCert.trimEnd()}\n`),
        privateKeyPem: pulumi.secret(key.privateKeyPem),
      };
    };
    this.external = issue("external", ["server_auth"]);
    this.internal = issue("internal", ["server_auth", "client_auth"]);
    this.registerOutputs({});
  }
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ""))];
}
