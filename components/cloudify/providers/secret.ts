import * as pulumi from "@pulumi/pulumi";
import type { Visibility } from "../client/types";
import { CONNECTION_SECRET_OUTPUTS, connectionInput, withSecretOutputs, type CloudifyConnectionArgs } from "./connection-args";
import { createSecretProvider } from "./secret-provider";
import { CLOUDIFY_DYNAMIC_MODULE } from "../../naming/resourceNames";

export interface CloudifySecretArgs {
  readonly connection: CloudifyConnectionArgs;
  readonly key: pulumi.Input<string>;
  /** Kept secret in state and outputs whatever is passed. A change updates the secret in place. */
  readonly value: pulumi.Input<string>;
  /** Default "tenant". A change updates in place. */
  readonly visibility?: pulumi.Input<Visibility>;
  /** 4.4+: hide the value from users other than its creator. Default false. */
  readonly isHiddenValue?: pulumi.Input<boolean>;
}

const provider = createSecretProvider();

/** A Cloudify secret in the connection's tenant. */
export class CloudifySecret extends pulumi.dynamic.Resource {
  declare readonly key: pulumi.Output<string>;
  declare readonly value: pulumi.Output<string>;
  declare readonly visibility: pulumi.Output<Visibility>;
  declare readonly tenantName: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: CloudifySecretArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        connection: connectionInput(args.connection),
        key: args.key,
        value: pulumi.secret(args.value),
        visibility: args.visibility,
        isHiddenValue: args.isHiddenValue,
        tenantName: undefined,
        createdAt: undefined,
        updatedAt: undefined,
      },
      withSecretOutputs(opts, [...CONNECTION_SECRET_OUTPUTS, "value"]),
      CLOUDIFY_DYNAMIC_MODULE,
      "Secret",
    );
  }
}
