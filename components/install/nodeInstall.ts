import * as pulumi from "@pulumi/pulumi";
import { sha256OfText as sha256 } from "../cloudify/client/content-hash";
import type { ClusterConfig } from "../config/clusterSchema";
import { isUrl } from "../config/primitives";
import { NodeCertificates } from "./nodeCertificates";
import { NodeCleanup } from "./nodeCleanup";
import { sshRoute, type SshRoute } from "./nodeConnection";
import { CERTS_DIR, INSTALLER_RPM, installToolCommand, NODE_JSON, PREPARE_COMMAND, stageCommand, stagedPath, TOOL_STAGING_DIR, writeFileCommand } from "./nodePaths";
import type { NodeSetupTool } from "./nodeSetupTool";
import { CONFIG_STAGE_KEYS, nodeJson, nodeSettings, pick, type ClusterRole, type NodeSettings } from "./nodeSettings";
import { localFileDigest, remoteStep, remoteUpload, type RemoteStep, type RemoteStepArgs } from "./remoteStep";
import { childName, TYPES } from "../naming/resourceNames";

export interface InstallTarget {
  /** Server (host) name. */
  readonly name: string;
  readonly privateIp: pulumi.Input<string>;
  readonly publicIp: pulumi.Input<string>;
  /** DNS name of the node, when DNS is configured. */
  readonly fqdn?: pulumi.Input<string>;
  /** A new server (replacement, healing) reruns every step on it. */
  readonly serverId: pulumi.Input<string>;
  /** What must exist before the node answers SSH (OpenStack: server, port, floating IP and its association); nothing for a
   * machine that already exists. */
  readonly infrastructure?: pulumi.Resource;
}

export interface NodeInstallArgs {
  readonly cluster: ClusterConfig;
  readonly node: InstallTarget;
  readonly role: ClusterRole;
  readonly tool: NodeSetupTool;
  /** How long the init stage waits for every manager service (node.json statusTimeoutSeconds). */
  readonly statusTimeoutSeconds: number;
}

/**
 * Installs Cloudify Manager on one node: uploads the tool, certificates, node.json, installer, files and scripts, then runs
 * post_install → config → init → test. Each stage's triggers hold the run of the stage before it (`after`) and the inputs
 * the stage itself reads, so a change reruns that stage and those after it, and nothing changed runs nothing.
 */
export class NodeInstall extends pulumi.ComponentResource {
  readonly route: SshRoute;
  readonly settings: NodeSettings;
  readonly stages: { readonly postInstall: RemoteStep; readonly config: RemoteStep; readonly init: RemoteStep; readonly test: RemoteStep };
  readonly cleanup: NodeCleanup;

  constructor(name: string, args: NodeInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.nodeInstall, name, {}, opts);
    const { cluster, node } = args;
    this.route = sshRoute(cluster, node);
    this.settings = nodeSettings(cluster, node, args.role, args.statusTimeoutSeconds);
    const server = node.serverId;

    const step = (part: string, stepArgs: Omit<RemoteStepArgs, "route">, dependsOn: pulumi.Input<pulumi.Resource>[]) =>
      remoteStep(childName.installStep(name, part), { route: this.route, ...stepArgs }, { parent: this, dependsOn });
    const infrastructure = node.infrastructure ? [node.infrastructure] : [];
    const prepare = step("prepare", { create: PREPARE_COMMAND, triggers: [{ server }] }, infrastructure);
    const write = (part: string, path: string, mode: "0600" | "0644", content: pulumi.Input<string>, secret = false) =>
      step(part, { create: writeFileCommand(path, mode), stdin: content, triggers: [{ server }], secret }, [prepare]);
    const upload = (part: string, source: string, remotePath: string) =>
      remoteUpload(childName.installStep(name, part), { route: this.route, source, remotePath, triggers: [{ server }] }, { parent: this, dependsOn: [prepare] });

    const toolUploads = args.tool.files.map((file) => upload(`tool-${file.name.replace(/[^A-Za-z0-9-]/g, "-")}`, file.source, `${TOOL_STAGING_DIR}/${file.name}`));
    const installTool = step("install-tool", { create: installToolCommand(args.tool.files), triggers: [{ server, tool: args.tool.digest }] }, toolUploads);
    const settingsFile = write("node-json", NODE_JSON, "0600", nodeJson(this.settings), true);

    // Only node certificates, node keys and the CA certificate go to the node: never the CA key.
    const certs = new NodeCertificates(`${name}-certs`, {
      nodeName: node.name, privateIp: node.privateIp, publicIp: node.publicIp, fqdn: node.fqdn, caCert: cluster.caCert, caKey: cluster.caKey,
    }, { parent: this });
    const certFiles = [
      write("ca-pem", `${CERTS_DIR}/ca.pem`, "0644", cluster.caCert),
      write("external-crt", `${CERTS_DIR}/external.crt`, "0644", certs.external.chainPem),
      write("external-key", `${CERTS_DIR}/external.key`, "0600", certs.external.privateKeyPem, true),
      write("internal-crt", `${CERTS_DIR}/internal.crt`, "0644", certs.internal.chainPem),
      write("internal-key", `${CERTS_DIR}/internal.key`, "0600", certs.internal.privateKeyPem, true),
    ];

    const installer = isUrl(cluster.installRpm) ? [] : [upload("installer", cluster.installRpm, INSTALLER_RPM)];
    const files = cluster.files.map((file, index) => upload(`file-${index}`, file.src, stagedPath("files", index, file.src)));
    const scripts = cluster.scripts.map((script, index) => upload(`script-${index}`, script, stagedPath("scripts", index, script)));

    const postInstall = step("post-install", {
      create: stageCommand("post_install"),
      // A download URL may carry a token: it stays secret in the state.
      triggers: [{ server, tool: args.tool.digest, installer: isUrl(cluster.installRpm) ? pulumi.secret(this.settings.installer) : localFileDigest(cluster.installRpm) }],
    }, [installTool, settingsFile, ...installer]);
    const config = step("config", {
      create: stageCommand("config"),
      triggers: [{ after: postInstall.id, settings: pick(this.settings, CONFIG_STAGE_KEYS) }],
      secret: true,
    }, [postInstall]);
    const init = step("init", {
      create: stageCommand("init"),
      triggers: [{
        after: config.id,
        certificates: { ca: sha256(cluster.caCert), external: certs.external.chainPem.apply(sha256), internal: certs.internal.chainPem.apply(sha256) },
        files: cluster.files.map((file) => ({ dst: file.dst, content: localFileDigest(file.src) })),
        scripts: cluster.scripts.map(localFileDigest),
        statusTimeoutSeconds: args.statusTimeoutSeconds,
      }],
      secret: true,
    }, [config, ...certFiles, ...files, ...scripts]);
    const test = step("test", { create: stageCommand("test"), triggers: [{ after: init.id }], secret: true }, [init]);
    this.stages = { postInstall, config, init, test };

    this.cleanup = new NodeCleanup(`${name}-cleanup`, { route: this.route }, { parent: this, dependsOn: infrastructure });
    this.registerOutputs({});
  }
}
