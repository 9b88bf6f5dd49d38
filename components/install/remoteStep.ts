import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { sha256OfFile } from "../cloudify/client/content-hash";
import { stepConnection, type SshRoute } from "./nodeConnection";
import { uploadCommand } from "./nodePaths";
import { remoteStepProvider } from "./remoteStepProvider";


export interface RemoteStepArgs {
  readonly route: SshRoute;
  /** The command line: nothing secret and nothing that varies per run (at most the cluster's addresses). */
  readonly create: pulumi.Input<string>;
  /** What the command reads on stdin (the only way a secret reaches it). */
  readonly stdin?: pulumi.Input<string>;
  /** Exactly what the step depends on: a change reruns it (as a replacement), no change runs nothing. */
  readonly triggers: pulumi.Input<unknown>[];
  /** The step handles secrets: keep its output secret in the state. */
  readonly secret?: boolean;
}

/** One command on a node, run over SSH by remoteStepProvider. */
export class RemoteStep extends pulumi.dynamic.Resource {
  constructor(name: string, props: pulumi.Inputs, secret: boolean, opts: pulumi.CustomResourceOptions) {
    // The route holds keys, the stdin secrets and the triggers may hold a tokened URL: all stay secret in the state.
    const secretOutputs = ["connection", "stdin", "triggers", ...(secret ? ["stdout", "stderr"] : [])];
    super(remoteStepProvider, name, { ...props, stdout: undefined, stderr: undefined }, { ...opts, additionalSecretOutputs: secretOutputs }, "cmom", "RemoteStep");
  }
}

/**
 * One command on a node. It never acts on delete: removing the step from the program must not touch the node (destroy-time
 * cleanup is NodeCleanup's job).
 */
export function remoteStep(name: string, args: RemoteStepArgs, opts: pulumi.CustomResourceOptions): RemoteStep {
  const secret = args.secret ?? false;
  return new RemoteStep(name, {
    ...stepConnection(args.route),
    command: args.create,
    ...(args.stdin === undefined ? {} : { stdin: args.stdin }),
    triggers: args.triggers,
    secret,
  }, secret, opts);
}

export interface RemoteUploadArgs {
  readonly route: SshRoute;
  /** Local file, streamed to the node on stdin. */
  readonly source: string;
  readonly remotePath: string;
  /** Besides the file's content, which always reruns the upload. */
  readonly triggers: pulumi.Input<unknown>[];
}

/** Copies a local file to the node (as the SSH user, atomically). */
export function remoteUpload(name: string, args: RemoteUploadArgs, opts: pulumi.CustomResourceOptions): RemoteStep {
  return new RemoteStep(name, {
    ...stepConnection(args.route),
    command: uploadCommand(args.remotePath, executable(args.source) ? "0755" : "0644"),
    stdinFile: path.resolve(args.source),
    triggers: [...args.triggers, { content: localFileDigest(args.source) }],
    secret: false,
  }, false, opts);
}

/**
 * The content hash of a local file, for triggers. The stack's validation refuses a missing file before anything runs, so a
 * missing one is only met in an offline plan (examples naming files the reader provides): it stands in as its name.
 */
export function localFileDigest(file: string): pulumi.Output<string> {
  return pulumi.output(sha256OfFile(file).catch(() => `missing ${file}`));
}

function executable(file: string): boolean {
  try {
    return (fs.statSync(file).mode & 0o111) !== 0;
  } catch {
    return false; // a missing file fails the upload with its name (its content hash cannot be read)
  }
}
