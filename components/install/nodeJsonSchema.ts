import { z } from "zod";
import { redactableSecret } from "../config/primitives";

// The one contract of /etc/cmom/node.json: the deploying side writes it through this schema, and cmom-node-setup's
// `validate` accepts exactly what it accepts (test/install/nodeJsonContract.test.ts holds the two together).

const text = z.string().min(1, "must be a non-empty string").refine((value) => !value.includes("\0"), "must not contain NUL");
const absolutePath = text.refine((value) => value.startsWith("/") && !value.includes("\n"), "must be an absolute path");

const ldap = z.strictObject({
  server: text,
  username: text,
  /** Secret. */
  password: redactableSecret,
  domain: text,
  dnExtra: text.nullable().optional(),
  isActiveDirectory: z.boolean(),
});

/** The installer RPM already on the node, or an https URL the node downloads (checked against sha256 when given). */
const installer = z.union([
  z.strictObject({ rpm: absolutePath }),
  z.strictObject({
    url: text.regex(/^https:\/\/\S+$/, "must be an https URL"),
    sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex digits").nullable().optional(),
  }),
]);

/** HA role: the leader starts the cluster, members join it through the leader's private address. */
const cluster = z.discriminatedUnion("role", [
  z.strictObject({ role: z.literal("leader"), leaderIp: text.nullable().optional(), nodeName: text }),
  z.strictObject({ role: z.literal("member"), leaderIp: text, nodeName: text }),
]);

export const nodeJsonSchema = z.strictObject({
  nodeName: text,
  privateIp: text,
  publicIp: text,
  fqdn: text.nullable().optional(),
  adminUsername: text,
  /** Secret. */
  adminPassword: redactableSecret,
  ldap: ldap.nullable().optional(),
  /** Deep-merged over the generated config.yaml; it wins. */
  additionalConfig: z.record(z.string(), z.unknown()).optional(),
  installer,
  /** Holds ca.pem, external.crt (chained with the CA), external.key, internal.crt, internal.key; never ca.key. */
  certificates: z.strictObject({ dir: absolutePath }),
  /** Already staged on the node; copied by init. */
  files: z.array(z.strictObject({ src: absolutePath, dst: absolutePath })).optional(),
  /** Run by init in order, each once per content. */
  scripts: z.array(absolutePath).optional(),
  /** Bound of every wait (services, snapshots, executions); 900 when absent. */
  statusTimeoutSeconds: z.number().int().positive().optional(),
  cluster: cluster.nullable().optional(),
});

export type NodeJson = z.infer<typeof nodeJsonSchema>;
