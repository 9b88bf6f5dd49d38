import * as pulumi from "@pulumi/pulumi";
import { certificateProvider, type CertificateUse } from "./certificateProvider";

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

/** The type a node certificate is registered as. */
export const NODE_CERTIFICATE_TYPE = "pulumi-nodejs:dynamic/cmom:NodeCertificate";

/** One key and certificate, issued by certificateProvider. */
class NodeCertificate extends pulumi.dynamic.Resource {
  declare readonly certPem: pulumi.Output<string>;
  declare readonly privateKeyPem: pulumi.Output<string>;

  constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
    super(certificateProvider, name, { ...props, certPem: undefined, privateKeyPem: undefined, notAfter: undefined },
      { ...opts, additionalSecretOutputs: ["caKeyPem", "privateKeyPem"] }, "cmom", "NodeCertificate");
  }
}

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
    const issue = (purpose: string, uses: CertificateUse[]): IssuedCertificate => {
      const cert = new NodeCertificate(`${name}-${purpose}-cert`, {
        commonName: fqdn.apply((f) => f ?? args.nodeName),
        organization: "cmom",
        dnsNames: fqdn.apply((f) => unique([f, args.nodeName])),
        ipAddresses: pulumi.all([args.privateIp, args.publicIp]).apply(unique),
        uses,
        caCertPem: args.caCert,
        caKeyPem: pulumi.secret(args.caKey),
        validityHours: args.validityHours ?? 2 * 365 * 24,
        earlyRenewalHours: RENEW_BEFORE_HOURS,
      }, { parent: this });
      return {
        chainPem: cert.certPem.apply((pem) => `${pem.trimEnd()}\n${args.caCert.trimEnd()}\n`),
        privateKeyPem: pulumi.secret(cert.privateKeyPem),
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
