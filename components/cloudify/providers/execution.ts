import * as pulumi from "@pulumi/pulumi";
import { CONNECTION_SECRET_OUTPUTS, connectionInput, withSecretOutputs, type CloudifyConnectionArgs } from "./connection-args";
import { createExecutionProvider } from "./execution-provider";
import { CLOUDIFY_DYNAMIC_MODULE } from "../../naming/resourceNames";

export interface CloudifyExecutionArgs {
  readonly connection: CloudifyConnectionArgs;
  readonly deploymentId: pulumi.Input<string>;
  readonly workflowId: pulumi.Input<string>;
  readonly parameters?: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
  readonly allowCustomParameters?: pulumi.Input<boolean>;
  /** Run even if another execution is running on the deployment. */
  readonly force?: pulumi.Input<boolean>;
  /** Let the manager queue it behind a running execution (otherwise the provider waits and retries). */
  readonly queue?: pulumi.Input<boolean>;
  /** Seconds for the execution to end, its start included. Default 3600. */
  readonly timeout?: pulumi.Input<number>;
  /** Any value; changing it runs the workflow again. */
  readonly trigger?: pulumi.Input<string | number>;
}

const provider = createExecutionProvider();

/** One run of a workflow on a deployment; the resource fails if the execution ends `failed` or `cancelled`. */
export class CloudifyExecution extends pulumi.dynamic.Resource {
  declare readonly executionId: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly endedAt: pulumi.Output<string | null>;

  constructor(name: string, args: CloudifyExecutionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        connection: connectionInput(args.connection),
        deploymentId: args.deploymentId,
        workflowId: args.workflowId,
        parameters: args.parameters,
        allowCustomParameters: args.allowCustomParameters,
        force: args.force,
        queue: args.queue,
        timeout: args.timeout,
        trigger: args.trigger,
        executionId: undefined,
        status: undefined,
        createdAt: undefined,
        endedAt: undefined,
      },
      withSecretOutputs(opts, CONNECTION_SECRET_OUTPUTS),
      CLOUDIFY_DYNAMIC_MODULE,
      "Execution",
    );
  }
}
