import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../config/clusterSchema";
import { isUrl } from "../config/primitives";
import { nodeJsonSchema, type NodeJson } from "./nodeJsonSchema";
import { CERTS_DIR, INSTALLER_RPM, stagedPath } from "./nodePaths";

interface LdapSettings {
  readonly server: string;
  readonly username: string;
  /** Secret. */
  readonly password: pulumi.Input<string>;
  readonly domain: string;
  readonly dnExtra: string | null;
  readonly isActiveDirectory: boolean;
}

type InstallerSettings = { readonly rpm: string } | { readonly url: string; readonly sha256: string | null };

export interface ClusterRole {
  readonly role: "leader" | "member";
  /** Private address of the node that starts the cluster. */
  readonly leaderIp: pulumi.Input<string>;
}

/** The node's /etc/cmom/node.json (its schema: nodeJsonSchema), with values still as Pulumi inputs. */
export interface NodeSettings {
  readonly nodeName: string;
  readonly privateIp: pulumi.Input<string>;
  readonly publicIp: pulumi.Input<string>;
  readonly fqdn: pulumi.Input<string | null>;
  readonly adminUsername: string;
  /** Secret. */
  readonly adminPassword: pulumi.Input<string>;
  readonly ldap: LdapSettings | null;
  readonly additionalConfig: Record<string, unknown>;
  readonly installer: InstallerSettings;
  readonly certificates: { readonly dir: string };
  readonly files: readonly { readonly src: string; readonly dst: string }[];
  readonly scripts: readonly string[];
  readonly statusTimeoutSeconds: number;
  readonly cluster: ClusterRole & { readonly nodeName: string };
}

export interface SettingsTarget {
  readonly name: string;
  readonly privateIp: pulumi.Input<string>;
  readonly publicIp: pulumi.Input<string>;
  readonly fqdn?: pulumi.Input<string>;
}

export function nodeSettings(cluster: ClusterConfig, node: SettingsTarget, role: ClusterRole, statusTimeoutSeconds: number): NodeSettings {
  const ldap = cluster.ldap;
  return {
    nodeName: node.name,
    privateIp: node.privateIp,
    publicIp: node.publicIp,
    fqdn: node.fqdn ?? null,
    adminUsername: cluster.adminUsername,
    adminPassword: cluster.adminPassword,
    ldap: ldap === undefined ? null : {
      server: ldap.server,
      username: ldap.username,
      password: ldap.password,
      domain: ldap.domain,
      dnExtra: ldap.dnExtra ?? null,
      isActiveDirectory: ldap.isActiveDirectory,
    },
    additionalConfig: cluster.additionalConfig,
    // An https installer is downloaded (and checked) by the tool on the node; a local one is uploaded to INSTALLER_RPM.
    installer: isUrl(cluster.installRpm) ? { url: cluster.installRpm, sha256: cluster.installRpmSha256 ?? null } : { rpm: INSTALLER_RPM },
    certificates: { dir: CERTS_DIR },
    files: cluster.files.map((file, index) => ({ src: stagedPath("files", index, file.src), dst: file.dst })),
    scripts: cluster.scripts.map((script, index) => stagedPath("scripts", index, script)),
    statusTimeoutSeconds,
    cluster: { ...role, nodeName: node.name },
  };
}


/** node.json's text, written through its schema (the tool accepts exactly what it accepts); secret as a whole, since it
 * holds the passwords. */
export function nodeJson(settings: NodeSettings): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(settings).apply((plain) => {
    const document: NodeJson = nodeJsonSchema.parse(plain);
    return `${JSON.stringify(document, null, 2)}\n`;
  }));
}

/** The node.json keys the config stage turns into config.yaml. */
export const CONFIG_STAGE_KEYS = ["nodeName", "privateIp", "publicIp", "fqdn", "adminUsername", "adminPassword", "ldap", "additionalConfig", "certificates"] as const;

export function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, source[key]])) as Pick<T, K>;
}
