import * as pulumi from "@pulumi/pulumi";
import { caCertEntry } from "../client/connection";

/** How a Cloudify resource reaches its manager cluster. */
export interface CloudifyConnectionArgs {
  /** https base URLs of the cluster's nodes, leader first (the client fails over in this order). */
  readonly endpoints: pulumi.Input<pulumi.Input<string>[]>;
  readonly username: pulumi.Input<string>;
  /** Kept secret in state whatever is passed: wrapped with pulumi.secret. */
  readonly password: pulumi.Input<string>;
  /** PEM of the CA that signed the managers' certificates; absent, the system's trusted CAs. TLS is always verified. */
  readonly caCert?: pulumi.Input<string>;
  /** Tenant the object lives in (the `Tenant` header). */
  readonly tenant: pulumi.Input<string>;
}

/** The `connection` input as the providers receive it; the password is always secret. */
export function connectionInput(connection: CloudifyConnectionArgs): pulumi.Input<object> {
  return {
    endpoints: connection.endpoints,
    username: connection.username,
    password: pulumi.secret(connection.password),
    ...caCertEntry(connection.caCert),
    tenant: connection.tenant,
  };
}

/** Resource options plus outputs the engine must keep secret (besides those the caller listed). */
export function withSecretOutputs(opts: pulumi.CustomResourceOptions | undefined, names: readonly string[]): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), ...names])] };
}

/** Outputs that hold credentials on every Cloudify resource. */
export const CONNECTION_SECRET_OUTPUTS = ["connection"];
