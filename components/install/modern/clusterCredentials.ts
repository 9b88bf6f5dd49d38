// The engine rebuilds the provider below in another process from its serialized text: its function requires what it uses
// inside and captures nothing of this module.
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ClusterCredentials } from "./roleConfig";

const KEYS: readonly (keyof ClusterCredentials)[] = [
  "rabbitmqUsername", "rabbitmqPassword", "erlangCookie", "postgresPassword", "etcdClusterToken", "etcdRootPassword",
  "etcdPatroniPassword", "patroniRestPassword", "replicatorPassword", "prometheusUsername", "prometheusPassword",
];

/**
 * Generated once at create, kept (encrypted) in the state, never regenerated: 40 characters of [a-z0-9], the alphabet the
 * official cluster manager uses for the credentials it generates (_random_credential_generator, main.py @1.1.7), so every
 * value goes into config.yaml, etcd and RabbitMQ unquoted and unescaped.
 */
const credentialsProvider: dynamic.ResourceProvider<{ keys: readonly string[] }, { values: Record<string, string> }> = {
  async create(inputs) {
    const crypto: typeof import("node:crypto") = require("node:crypto");
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const draw = () => Array.from({ length: 40 }, () => alphabet[crypto.randomInt(alphabet.length)]).join("");
    return { id: crypto.randomUUID(), outs: { values: Object.fromEntries(inputs.keys.map((key) => [key, draw()])) } };
  },
};

/** The internal credentials of one cluster-manager-layout cluster (database, etcd, Patroni, RabbitMQ, Prometheus). */
export class ClusterCredentialsResource extends pulumi.dynamic.Resource {
  declare readonly values: pulumi.Output<ClusterCredentials>;

  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(credentialsProvider, name, { keys: KEYS, values: undefined }, { ...opts, additionalSecretOutputs: ["values"] }, "cmom", "ClusterCredentials");
  }
}
