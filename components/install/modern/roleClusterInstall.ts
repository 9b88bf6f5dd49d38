import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { sha256OfText as sha256 } from "../../cloudify/client/content-hash";
import type { ClusterConfig } from "../../config/clusterSchema";
import { NodeCertificates } from "../nodeCertificates";
import { sshRoute } from "../nodeConnection";
import type { InstallTarget } from "../nodeInstall";
import { isUrl } from "../../config/primitives";
import { INSTALLER_RPM, PREPARE_COMMAND, shellQuote, TOOL_DIR, writeFileCommand } from "../nodePaths";
import { localFileDigest, remoteStep, remoteUpload, type RemoteStepArgs } from "../remoteStep";
import { ClusterCredentialsResource } from "./clusterCredentials";
import { roleInstallerFacts } from "./installerVersions";
import { configuredSettings, roleConfig } from "./roleConfig";
import { RoleCleanup, roleCleanupCommand } from "./roleCleanup";
import { installPredecessors, isAdded, roleLayout, type RoleInstance } from "./roleLayout";
import { RoleMembership, type MemberNode } from "./roleMembership";
import { CA_PATH, DB_CLIENT, DB_SUPERUSER_CLIENT, externalCertPath, externalKeyPath, roleCertPath, roleConfigPath, roleKeyPath } from "./rolePaths";

/** The node tool of this layout (cmom-role beside this file), installed on every node. */
const ROLE_TOOL_SOURCE = path.join(__dirname, "cmom-role");
const ROLE_TOOL = `${TOOL_DIR}/cmom-role`;
/** cmom-node-setup's python helper, installed beside cmom-role: cmom-role masks secrets in its log with it. */
const HELPER_NAME = "cmom-node-setup-helper.py";
const HELPER_SOURCE = path.join(__dirname, "..", "node-setup", HELPER_NAME);
/** How long the health check after an update waits for the cluster to report OK (services of a new node take a while). */
const HEALTH_WAIT_SECONDS = 600;
const roleToolCommand = (...words: string[]) => `sudo -n bash ${ROLE_TOOL} ${words.map(shellQuote).join(" ")}`;

export interface RoleClusterInstallArgs {
  readonly cluster: ClusterConfig & { readonly version: string };
  /** The machines, in node order. */
  readonly nodes: readonly InstallTarget[];
}

/** A step of the install phase, as the plan and the tests see it. */
export interface InstallStep {
  readonly instance: RoleInstance;
  readonly step: pulumi.CustomResource;
}

/**
 * A Cloudify 5.1 … 7.0 cluster in the official cluster manager's layout: on each node the installer, then per role its
 * certificate (signed here, by the operator's CA), its config.yaml and `cfy_manager install -c`. Installs wait for exactly
 * what they need (installPredecessors): databases together, then the first broker and the others, then the first manager
 * and the others.
 */
export class RoleClusterInstall extends pulumi.ComponentResource {
  readonly installs: readonly InstallStep[];
  /** The manager installs (with the node each is on): what restores wait for. */
  readonly managers: readonly InstallStep[];
  /**
   * `cmom-role status` on the first manager once every install, join and leave is done, again after each change of them:
   * the cluster reports OK (`cfy cluster status`), or the update fails. None for a single all-in-one node (no cluster).
   */
  readonly health?: pulumi.CustomResource;

  constructor(name: string, args: RoleClusterInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmom:install:RoleClusterInstall", name, {}, opts);
    const { cluster, nodes } = args;
    const layout = roleLayout(cluster.topology ?? "all-in-one", nodes.length, cluster.roles);
    const facts = roleInstallerFacts(cluster.version);
    const credentials = new ClusterCredentialsResource(`${name}-credentials`, { parent: this });
    const tool = fs.readFileSync(ROLE_TOOL_SOURCE, "utf8");
    const helper = fs.readFileSync(HELPER_SOURCE, "utf8");

    const machines = nodes.map((node, index) => {
      const route = sshRoute(cluster, node);
      const server = node.serverId;
      const step = (part: string, stepArgs: Omit<RemoteStepArgs, "route">, dependsOn: pulumi.Input<pulumi.Resource>[]) =>
        remoteStep(`${name}-node-${index}-${part}`, { route, ...stepArgs }, { parent: this, dependsOn });
      const prepare = step("prepare", { create: PREPARE_COMMAND, triggers: [{ server }] }, node.infrastructure ? [node.infrastructure] : []);
      const write = (part: string, file: string, mode: "0600" | "0644", content: pulumi.Input<string>, secret = false) =>
        step(part, { create: writeFileCommand(file, mode), stdin: content, triggers: [{ server }], secret }, [prepare]);
      // A new version of the tool is written again, and reruns the installer step that uses it first.
      const helperStep = step("helper", { create: writeFileCommand(`${TOOL_DIR}/${HELPER_NAME}`, "0644"), stdin: helper, triggers: [{ server, helper: sha256(helper) }] }, [prepare]);
      const toolStep = step("tool", { create: writeFileCommand(ROLE_TOOL, "0644"), stdin: tool, triggers: [{ server, tool: sha256(tool) }] }, [helperStep]);
      const ca = write("ca-pem", CA_PATH, "0644", cluster.caCert);
      // A URL may carry a token: it reaches the node on stdin, and stays secret in the state. A local installer is uploaded
      // where the tool would have downloaded it, as 4.x nodes get theirs.
      const download = isUrl(cluster.installRpm);
      const upload = download ? [] : [remoteUpload(`${name}-node-${index}-installer-upload`, {
        route, source: cluster.installRpm, remotePath: INSTALLER_RPM, triggers: [{ server }],
      }, { parent: this, dependsOn: [prepare] })];
      const installer = step("installer", {
        create: roleToolCommand("installer", cluster.version),
        stdin: pulumi.secret(`${download ? cluster.installRpm : "uploaded"}\n${cluster.installRpmSha256 ?? ""}\n`),
        triggers: [{
          server, version: cluster.version, tool: toolStep.id,
          installer: download ? pulumi.secret(cluster.installRpm) : localFileDigest(cluster.installRpm),
        }],
        secret: true,
      }, [toolStep, ...upload]);
      const cleanup = new RoleCleanup(`${name}-node-${index}-cleanup`, { route, command: roleCleanupCommand(ROLE_TOOL) }, { parent: this, dependsOn: node.infrastructure ? [node.infrastructure] : [] });
      const member: MemberNode = { route, tool: roleToolCommand };
      return { node, route, step, write, ready: [toolStep, ca, installer], cleanup, member };
    });

    const placed = (role: RoleInstance["role"]) => pulumi.all(layout.filter((i) => i.role === role)
      .map((i) => pulumi.output(nodes[i.nodeIndex]!.privateIp).apply((privateIp) => ({ name: i.name, privateIp }))));
    const databases = placed("database");
    const brokers = placed("broker");

    // The managers' database client certificates: the database user's (CN cloudify) and, from 7.0, its superuser's (CN postgres).
    const managerNode = nodes[layout.find((i) => i.role === "manager" || i.role === "whole")!.nodeIndex]!;
    const clientCert = (cn: string) => new NodeCertificates(`${name}-db-client-${cn}`, {
      nodeName: cn, privateIp: managerNode.privateIp, publicIp: managerNode.publicIp, caCert: cluster.caCert, caKey: cluster.caKey,
    }, { parent: this }).internal;
    const hasManagers = layout.some((i) => i.role === "manager");
    const dbClient = hasManagers ? clientCert("cloudify") : undefined;
    const dbSuperuser = hasManagers && facts.superuserClientCert ? clientCert("postgres") : undefined;

    const installs: InstallStep[] = [];
    const stepOf = new Map<string, pulumi.CustomResource>();
    /** Per node, its last configure step: two `cfy_manager configure` never run at once on one machine. */
    const lastConfigure = new Map<number, pulumi.CustomResource>();
    for (const instance of layout) {
      const machine = machines[instance.nodeIndex]!;
      const { node } = machine;
      const certs = new NodeCertificates(`${name}-${instance.name}-certs`, {
        nodeName: node.name, privateIp: node.privateIp, publicIp: node.publicIp, fqdn: node.fqdn, caCert: cluster.caCert, caKey: cluster.caKey,
      }, { parent: this });
      const files = [
        machine.write(`${instance.name}-crt`, roleCertPath(instance.name), "0644", certs.internal.chainPem),
        machine.write(`${instance.name}-key`, roleKeyPath(instance.name), "0600", certs.internal.privateKeyPem, true),
      ];
      const servesApi = instance.role === "manager" || instance.role === "whole";
      if (servesApi) {
        files.push(machine.write(`${instance.name}-external-crt`, externalCertPath(instance.name), "0644", certs.external.chainPem));
        files.push(machine.write(`${instance.name}-external-key`, externalKeyPath(instance.name), "0600", certs.external.privateKeyPem, true));
      }
      if (instance.role === "manager") {
        for (const [label, cert, at] of [["db-client", dbClient, DB_CLIENT], ["db-superuser", dbSuperuser, DB_SUPERUSER_CLIENT]] as const) {
          if (cert === undefined) continue;
          files.push(machine.write(`${instance.name}-${label}-crt`, at.cert, "0644", cert.chainPem));
          files.push(machine.write(`${instance.name}-${label}-key`, at.key, "0600", cert.privateKeyPem, true));
        }
      }
      const config = pulumi.all([credentials.values, pulumi.secret(cluster.adminPassword), node.privateIp, node.publicIp, databases, brokers])
        .apply(([values, adminPassword, privateIp, publicIp, dbs, mqs]) => roleConfig({
          instance,
          node: { hostname: node.name, privateIp, publicIp },
          databases: dbs,
          brokers: mqs,
          credentials: values,
          admin: { username: cluster.adminUsername, password: adminPassword },
          ...(cluster.ldap === undefined ? {} : { ldap: cluster.ldap }),
          facts,
          additionalConfig: cluster.additionalConfig,
        }));
      // JSON, which is YAML: cmom-role's redaction reads it on nodes without a YAML parser for python.
      files.push(machine.write(`${instance.name}-config`, roleConfigPath(instance.name), "0600", pulumi.secret(config.apply((c) => JSON.stringify(c))), true));

      const waits = installPredecessors(instance, layout).map((other) => stepOf.get(other.name)!);
      const install = machine.step(`${instance.name}-install`, {
        create: roleToolCommand("install", instance.name, instance.services[0]!),
        // Only a new machine or version installs again (an install of an installed role would do nothing): a changed setting
        // or renewed certificate is applied by the configure step below.
        triggers: [{ server: node.serverId, instance: instance.name, version: cluster.version }],
        secret: true,
      }, [...machine.ready, ...files, ...waits]);
      stepOf.set(instance.name, install);
      installs.push({ instance, step: install });
      // A changed setting or certificate of an installed instance is applied by cfy_manager configure (every version takes
      // it; cmom-role refuses it where it would reset a joined broker): the digest reaches the tool on stdin, a change
      // reruns the step in place, and its first run after an install only records it.
      const certificates = [certs.internal.chainPem, ...(servesApi ? [certs.external.chainPem] : [])];
      const previous = lastConfigure.get(instance.nodeIndex);
      lastConfigure.set(instance.nodeIndex, machine.step(`${instance.name}-configure`, {
        create: roleToolCommand("configure", instance.name, instance.services[0]!),
        stdin: pulumi.secret(pulumi.all([config, pulumi.all(certificates)]).apply(([c, pems]) => `${sha256(JSON.stringify([configuredSettings(c), pems]))}\n`)),
        triggers: [{ server: node.serverId, instance: instance.name, install: install.id }],
        secret: true,
      }, [install, ...files, ...(previous ? [previous] : [])]));
    }
    this.installs = installs;
    this.managers = installs.filter((i) => i.instance.role === "manager" || i.instance.role === "whole");

    // Instances added to the official layout join its cluster, and leave it before their node is cleaned up: the membership
    // depends on the node's cleanup, so Pulumi deletes it (and the node leaves) first.
    const memberOf = (role: RoleInstance["role"]) => layout.filter((i) => i.role === role).map((i) => machines[i.nodeIndex]!.member);
    const memberships = layout.filter(isAdded).map((instance) => {
      const machine = machines[instance.nodeIndex]!;
      return new RoleMembership(`${name}-${instance.name}-membership`, {
        instance,
        node: { ...machine.member, name: machine.node.name, privateIp: machine.node.privateIp },
        firstDatabase: memberOf("database")[0]!,
        firstBroker: memberOf("broker")[0]!,
        managers: memberOf("manager"),
      }, { parent: this, dependsOn: [stepOf.get(instance.name)!, ...this.managers.map((m) => m.step), machine.cleanup] });
    });
    const firstManager = this.managers[0]!.instance;
    if (firstManager.role === "manager") {
      this.health = machines[firstManager.nodeIndex]!.step("cluster-health", {
        create: roleToolCommand("status", String(HEALTH_WAIT_SECONDS)),
        triggers: [{ installs: installs.map((i) => i.step.id), members: memberships.map((m) => m.id) }],
        secret: true,
      }, [...installs.map((i) => i.step), ...memberships]);
    }
    this.registerOutputs({});
  }
}
