import * as pulumi from "@pulumi/pulumi";
import { CONNECTION_SECRET_OUTPUTS, connectionInput, withSecretOutputs, type CloudifyConnectionArgs } from "./connection-args";
import { createTenantProvider } from "./tenant-provider";
import { CLOUDIFY_DYNAMIC_MODULE } from "../../naming/resourceNames";

export interface CloudifyTenantArgs {
  readonly connection: CloudifyConnectionArgs;
  /** Tenant name (an existing tenant of that name is adopted). */
  readonly name: pulumi.Input<string>;
}

const provider = createTenantProvider();

/** A Cloudify tenant (premium managers). */
export class CloudifyTenant extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;

  constructor(name: string, args: CloudifyTenantArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { connection: connectionInput(args.connection), name: args.name },
      withSecretOutputs(opts, CONNECTION_SECRET_OUTPUTS),
      CLOUDIFY_DYNAMIC_MODULE,
      "Tenant",
    );
  }
}
