import * as pulumi from "@pulumi/pulumi";
import type { Visibility } from "../client/types";
import { CONNECTION_SECRET_OUTPUTS, connectionInput, withSecretOutputs, type CloudifyConnectionArgs } from "./connection-args";
import { createPluginProvider } from "./plugin-provider";
import { CLOUDIFY_DYNAMIC_MODULE } from "../../naming/resourceNames";

export interface CloudifyPluginArgs {
  readonly connection: CloudifyConnectionArgs;
  /** Local wagon (`.wgn`); uploaded zipped with yamlPath, as the CLI does. */
  readonly wagonPath: pulumi.Input<string>;
  /** Local plugin yaml (`*.yaml`). */
  readonly yamlPath: pulumi.Input<string>;
  /** Default "tenant". */
  readonly visibility?: pulumi.Input<Visibility>;
  /** 5.1+ managers only. */
  readonly title?: pulumi.Input<string>;
}

const provider = createPluginProvider();

/** A Cloudify plugin; replaced when the wagon's or the yaml's content changes (content hashed on the operator side). */
export class CloudifyPlugin extends pulumi.dynamic.Resource {
  /** The manager's plugin id (also the resource id). */
  declare readonly pluginId: pulumi.Output<string>;
  declare readonly packageName: pulumi.Output<string>;
  declare readonly packageVersion: pulumi.Output<string>;
  declare readonly contentHash: pulumi.Output<string>;
  declare readonly archiveName: pulumi.Output<string>;
  declare readonly uploadedAt: pulumi.Output<string>;

  constructor(name: string, args: CloudifyPluginArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        connection: connectionInput(args.connection),
        wagonPath: args.wagonPath,
        yamlPath: args.yamlPath,
        visibility: args.visibility,
        title: args.title,
        pluginId: undefined,
        packageName: undefined,
        packageVersion: undefined,
        contentHash: undefined,
        archiveName: undefined,
        uploadedAt: undefined,
      },
      withSecretOutputs(opts, CONNECTION_SECRET_OUTPUTS),
      CLOUDIFY_DYNAMIC_MODULE,
      "Plugin",
    );
  }
}
