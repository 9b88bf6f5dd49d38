import { z } from "zod";
import { topologyKeys } from "./clusterTopology";
import type { LocalPathSchemas } from "./localPaths";
import { MAX_ITEMS, MAX_NODES, hostname, ipv4, isHostname, nonEmpty, pemCertificate, pemPrivateKey, redactableSecret, secretString, type SecretPolicy } from "./primitives";

/** Node 0 is the initial master. */
export const clusterInstancesSchema = z.number().int().min(1).max(MAX_NODES).default(2);

export function clusterSchema(policy: SecretPolicy, { localPath, localPathOrHttpsUrl }: LocalPathSchemas) {
  const ldapSchema = z.strictObject({
    server: nonEmpty,
    username: nonEmpty,
    password: secretString(policy, redactableSecret),
    domain: nonEmpty,
    dnExtra: nonEmpty.optional(),
    isActiveDirectory: z.boolean().default(false),
  });

  /** A jump host between the operator and the managers' private addresses. */
  const bastionSchema = z.strictObject({
    host: nonEmpty,
    user: nonEmpty,
    port: z.number().int().min(1).max(65535).default(22),
    /** Defaults to cluster.sshPrivateKey. */
    privateKey: secretString(policy, pemPrivateKey).optional(),
    /** Pinned host key of the bastion (`ssh-ed25519 AAAA…`). */
    hostKey: nonEmpty.optional(),
  });

  return z.strictObject({
    instances: clusterInstancesSchema,
    ...topologyKeys,
    namePrefix: z.string().refine((p) => isHostname(`${p}-0`) && p.length <= 50, "not a valid host-name prefix (letters, digits, inner hyphens, ≤50 chars)").default("cfy-manager"),
    installRpm: localPathOrHttpsUrl,
    /** SHA-256 of the installer, verified on the node when installRpm is a URL. */
    installRpmSha256: z.string().regex(/^[0-9a-f]{64}$/i, "not a SHA-256 hex digest").optional(),
    adminUsername: nonEmpty.default("admin"),
    adminPassword: secretString(policy, redactableSecret),
    sshUser: nonEmpty,
    sshPrivateKey: secretString(policy, pemPrivateKey),
    sshPort: z.number().int().min(1).max(65535).default(22),
    /** Pinned SSH host keys per node name; a node listed here refuses any other key. */
    hostKeys: z.record(hostname, nonEmpty).default({}),
    bastion: bastionSchema.optional(),
    caCert: pemCertificate,
    caKey: secretString(policy, pemPrivateKey),
    ldap: ldapSchema.optional(),
    additionalConfig: z.record(z.string(), z.unknown()).default({}),
    scripts: z.array(localPath).max(MAX_ITEMS).default([]),
    /**
     * Private address of a live member: node 0 joins the running cluster through it instead of starting one. `npm run heal`
     * sets it when it rebuilds node 0, so the new node 0 never starts a second cluster.
     */
    rejoinVia: ipv4.optional(),
    files: z.array(z.strictObject({ src: localPath, dst: z.string().startsWith("/", "must be an absolute path on the node") })).max(MAX_ITEMS).default([]),
  });
}

export type ClusterConfig = z.output<ReturnType<typeof clusterSchema>>;
export type LdapConfig = NonNullable<ClusterConfig["ldap"]>;
