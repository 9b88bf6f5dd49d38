import * as pulumi from "@pulumi/pulumi";
import type { Visibility } from "../client/types";
import { CONNECTION_SECRET_OUTPUTS, connectionInput, withSecretOutputs, type CloudifyConnectionArgs } from "./connection-args";
import { createDeploymentProvider } from "./deployment-provider";
import { CLOUDIFY_DYNAMIC_MODULE } from "../../naming/resourceNames";

export interface CloudifyDeploymentArgs {
  readonly connection: CloudifyConnectionArgs;
  readonly deploymentId: pulumi.Input<string>;
  readonly blueprintId: pulumi.Input<string>;
  /** Deployment inputs (secret values stay secret: the engine marks outputs of secret inputs secret). A change replaces. */
  readonly inputs?: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
  /** Default "tenant". */
  readonly visibility?: pulumi.Input<Visibility>;
  readonly skipPluginsValidation?: pulumi.Input<boolean>;
  /** Seconds to wait for the environment's creation, and for the deletion. Default 1800. */
  readonly timeout?: pulumi.Input<number>;
}

const provider = createDeploymentProvider();

/** A Cloudify deployment: created once its `create_deployment_environment` execution succeeded, deleted once the row is gone. */
export class CloudifyDeployment extends pulumi.dynamic.Resource {
  declare readonly deploymentId: pulumi.Output<string>;
  declare readonly blueprintId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;

  constructor(name: string, args: CloudifyDeploymentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        connection: connectionInput(args.connection),
        deploymentId: args.deploymentId,
        blueprintId: args.blueprintId,
        inputs: args.inputs,
        visibility: args.visibility,
        skipPluginsValidation: args.skipPluginsValidation,
        timeout: args.timeout,
        createdAt: undefined,
      },
      withSecretOutputs(opts, CONNECTION_SECRET_OUTPUTS),
      CLOUDIFY_DYNAMIC_MODULE,
      "Deployment",
    );
  }
}
