import * as pulumi from "@pulumi/pulumi";
import type { Visibility } from "../client/types";
import { CONNECTION_SECRET_OUTPUTS, connectionInput, withSecretOutputs, type CloudifyConnectionArgs } from "./connection-args";
import { createBlueprintProvider } from "./blueprint-provider";
import { CLOUDIFY_DYNAMIC_MODULE } from "../../naming/resourceNames";

export interface CloudifyBlueprintArgs {
  readonly connection: CloudifyConnectionArgs;
  readonly blueprintId: pulumi.Input<string>;
  /** Local folder holding the main yaml and what it imports; uploaded as a tar.gz with it as the single top-level dir. */
  readonly folder: pulumi.Input<string>;
  /** Default "blueprint.yaml". */
  readonly mainFileName?: pulumi.Input<string>;
  /** Default "tenant". */
  readonly visibility?: pulumi.Input<Visibility>;
  /** Seconds to wait for a 5.2+ asynchronous upload to be parsed. Default 600. */
  readonly uploadTimeout?: pulumi.Input<number>;
}

const provider = createBlueprintProvider();

/** A Cloudify blueprint; replaced when the folder's content changes (content hashed on the operator side). */
export class CloudifyBlueprint extends pulumi.dynamic.Resource {
  declare readonly blueprintId: pulumi.Output<string>;
  declare readonly contentHash: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | null>;
  declare readonly createdAt: pulumi.Output<string>;

  constructor(name: string, args: CloudifyBlueprintArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        connection: connectionInput(args.connection),
        blueprintId: args.blueprintId,
        folder: args.folder,
        mainFileName: args.mainFileName,
        visibility: args.visibility,
        uploadTimeout: args.uploadTimeout,
        contentHash: undefined,
        description: undefined,
        createdAt: undefined,
      },
      withSecretOutputs(opts, CONNECTION_SECRET_OUTPUTS),
      CLOUDIFY_DYNAMIC_MODULE,
      "Blueprint",
    );
  }
}
