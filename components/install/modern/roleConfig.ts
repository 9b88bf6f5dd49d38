import type { LdapConfig } from "../../config/clusterSchema";
import type { RoleInstallerFacts } from "./installerVersions";
import { CA_PATH, DB_CLIENT, DB_SUPERUSER_CLIENT, externalCertPath, externalKeyPath, roleCertPath, roleKeyPath } from "./rolePaths";
import type { RoleInstance } from "./roleLayout";

/** The cluster's internal credentials, generated once (clusterCredentials.ts): what the official tool generates per install. */
export interface ClusterCredentials {
  readonly rabbitmqUsername: string;
  readonly rabbitmqPassword: string;
  readonly erlangCookie: string;
  readonly postgresPassword: string;
  readonly etcdClusterToken: string;
  readonly etcdRootPassword: string;
  readonly etcdPatroniPassword: string;
  readonly patroniRestPassword: string;
  readonly replicatorPassword: string;
  readonly prometheusUsername: string;
  readonly prometheusPassword: string;
}

interface Placed {
  readonly name: string;
  readonly privateIp: string;
}

export interface RoleConfigInput {
  readonly instance: RoleInstance;
  readonly node: { readonly hostname: string; readonly privateIp: string; readonly publicIp: string };
  readonly databases: readonly Placed[];
  readonly brokers: readonly Placed[];
  readonly credentials: ClusterCredentials;
  readonly admin: { readonly username: string; readonly password: string };
  readonly ldap?: LdapConfig;
  readonly facts: RoleInstallerFacts;
  /** cmom:cluster.additionalConfig, merged over what is generated (as the official tool merges a node's extra_config). */
  readonly additionalConfig: Readonly<Record<string, unknown>>;
}

type Yaml = Record<string, unknown>;

/**
 * The config.yaml of one install, with the keys the official cluster manager writes per role
 * (config_files_templates/{postgresql,rabbitmq,manager}_config.yaml @1.1.7), except that the CA key is never named: every
 * certificate is signed on the operator's side and shipped ready (ca_key_path stays empty, so the installer signs nothing),
 * and a manager serves its UI and REST API with a certificate of its own (the official tool uses the node's one for both).
 */
export function roleConfig(input: RoleConfigInput): Yaml {
  const { instance, node, credentials } = input;
  const own = { cert_path: roleCertPath(instance.name), key_path: roleKeyPath(instance.name), ca_path: CA_PATH };
  const external = { external_cert_path: externalCertPath(instance.name), external_key_path: externalKeyPath(instance.name), external_ca_cert_path: CA_PATH };
  const manager = { private_ip: node.privateIp, public_ip: node.publicIp, hostname: node.hostname };
  const prometheus = { credentials: { username: credentials.prometheusUsername, password: credentials.prometheusPassword }, ...own };
  const services = { services_to_install: [...instance.services] };
  const generated: Yaml = (() => {
    switch (instance.role) {
      case "database":
        return {
          manager,
          postgresql_server: {
            ...own,
            ssl_client_verification: true,
            ssl_only_connections: true,
            postgres_password: credentials.postgresPassword,
            cluster: {
              nodes: databaseMembers(input.databases),
              etcd: { cluster_token: credentials.etcdClusterToken, root_password: credentials.etcdRootPassword, patroni_password: credentials.etcdPatroniPassword },
              patroni: { rest_password: credentials.patroniRestPassword },
              postgres: { replicator_password: credentials.replicatorPassword },
            },
          },
          prometheus,
          ...services,
        };
      case "broker":
        return {
          manager,
          rabbitmq: {
            ...rabbitmqCredentials(credentials),
            cluster_members: brokerMembers(input.brokers),
            ...own,
            nodename: instance.name,
            // Every broker but the first joins the first one's cluster.
            ...(instance.ordinal > 1 ? { join_cluster: input.brokers[0]!.name } : {}),
            erlang_cookie: credentials.erlangCookie,
          },
          prometheus,
          ...services,
        };
      case "manager":
        return {
          manager: { ...manager, security: security(input) },
          rabbitmq: { ...rabbitmqCredentials(credentials), cluster_members: brokerMembers(input.brokers), ca_path: CA_PATH },
          postgresql_server: { cluster: { nodes: databaseMembers(input.databases) }, ca_path: CA_PATH, ssl_enabled: true, postgres_password: credentials.postgresPassword },
          postgresql_client: { ssl_enabled: true, server_password: credentials.postgresPassword, ssl_client_verification: true },
          ...ldapSection(input),
          ssl_inputs: {
            ...external,
            internal_cert_path: own.cert_path,
            internal_key_path: own.key_path,
            postgresql_client_cert_path: DB_CLIENT.cert,
            postgresql_client_key_path: DB_CLIENT.key,
            ...(input.facts.superuserClientCert
              ? { postgresql_superuser_client_cert_path: DB_SUPERUSER_CLIENT.cert, postgresql_superuser_client_key_path: DB_SUPERUSER_CLIENT.key }
              : {}),
            ca_cert_path: CA_PATH,
          },
          prometheus,
          ...services,
        };
      case "whole":
        // One machine: the installer's own defaults, with the admin and the certificates cmom signed.
        return {
          manager: { ...manager, security: security(input) },
          ...ldapSection(input),
          ssl_inputs: {
            ...external,
            internal_cert_path: own.cert_path, internal_key_path: own.key_path, ca_cert_path: CA_PATH,
          },
          ...services,
        };
    }
  })();
  return deepMerge(generated, input.additionalConfig);
}

/**
 * A config.yaml without its cluster members: what `cfy_manager configure` is rerun for when it changes. Members change when
 * nodes are added or removed, and joining and leaving apply that (roleMembership.ts), not a configure of every node.
 */
export function configuredSettings(config: Yaml): Yaml {
  const without = (section: unknown, drop: (value: Yaml) => Yaml) => (isObject(section) ? drop(section) : section);
  const settings: Yaml = { ...config };
  if ("postgresql_server" in settings) {
    settings.postgresql_server = without(settings.postgresql_server, (pg) => ({ ...pg, cluster: without(pg.cluster, ({ nodes: _nodes, ...rest }) => rest) }));
  }
  if ("rabbitmq" in settings) settings.rabbitmq = without(settings.rabbitmq, ({ cluster_members: _members, ...rest }) => rest);
  return settings;
}

const databaseMembers = (databases: readonly Placed[]) => Object.fromEntries(databases.map((db) => [db.name, { ip: db.privateIp }]));
const brokerMembers = (brokers: readonly Placed[]) => Object.fromEntries(brokers.map((b) => [b.name, { networks: { default: b.privateIp } }]));
const rabbitmqCredentials = (credentials: ClusterCredentials) => ({ username: credentials.rabbitmqUsername, password: credentials.rabbitmqPassword });
const security = (input: RoleConfigInput) => ({ ssl_enabled: true, admin_username: input.admin.username, admin_password: input.admin.password });

function ldapSection(input: RoleConfigInput): Yaml {
  const { ldap } = input;
  if (ldap === undefined) return {};
  return {
    restservice: {
      ldap: {
        server: ldap.server, domain: ldap.domain, is_active_directory: ldap.isActiveDirectory,
        username: ldap.username, password: ldap.password, dn_extra: ldap.dnExtra ?? "",
      },
    },
  };
}

/** Objects merge key by key; anything else in `over` replaces what is there. */
function deepMerge(base: Yaml, over: Readonly<Record<string, unknown>>): Yaml {
  const merged: Yaml = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

const isObject = (value: unknown): value is Yaml => value !== null && typeof value === "object" && !Array.isArray(value);
