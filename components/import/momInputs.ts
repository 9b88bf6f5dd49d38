import * as fs from "node:fs";
import * as path from "node:path";
import { pathForStackFile, type LocalPathBase } from "../config/localPaths";
import { isUrl } from "../config/primitives";

/**
 * Maps the inputs of the Manager of Managers blueprint onto cmom's stack config. Secret values never travel into the result:
 * each becomes a placeholder (which the offline plan and previews accept) plus the `pulumi config set --secret` to run.
 */

/** A secret to set by hand: `key` is the --path argument; `file` is where the input already keeps the value, if it does. */
interface SecretToSet {
  readonly input: string;
  readonly key: string;
  readonly file?: string;
}

interface NotMigrated {
  readonly input: string;
  readonly reason: string;
}

export interface MomMigration {
  /** `<namespace>:<name>` → value, as the stack file's `config:` holds it. */
  readonly config: Record<string, unknown>;
  readonly secrets: SecretToSet[];
  readonly notMigrated: NotMigrated[];
  /** Decisions the operator should review (defaults that differ from the blueprint's). */
  readonly notes: string[];
}

export interface MomMigrationOptions {
  /** Relative file inputs are read against this folder (where the inputs file lives). */
  readonly inputsDir: string;
  /** Where the stack file is written: its local paths are named from there. */
  readonly stackPaths: LocalPathBase;
  /** Who may reach 22/80/443; the blueprint relied on an existing security group instead. */
  readonly allowedCidrs?: readonly string[];
}

/** Placeholder for a secret still to be set (PLACEHOLDER in components/config/primitives.ts: no `]` inside). */
const placeholder = (input: string) => `[placeholder: the value of input ${input.replace(/[[\]]/g, " ").trim()}, set with pulumi config set --secret]`;

/** The blueprint's OpenStack credentials are the provider's own config (Keystone v2 and v3 alike). */
const PROVIDER_INPUTS: Record<string, string> = {
  os_auth_url: "openstack:authUrl",
  os_username: "openstack:userName",
  os_tenant: "openstack:tenantName",
  os_project: "openstack:tenantName",
  os_region: "openstack:region",
  os_project_domain: "openstack:projectDomainName",
  os_user_domain: "openstack:userDomainName",
};

const RESTORE_FLAGS: Record<string, string> = {
  "--without-deployment-envs": "withoutDeploymentEnvs",
  "--force": "force",
  "--restore-certificates": "restoreCertificates",
  "--no-reboot": "noReboot",
};

/** cmom's backup switches say what to include; the blueprint's flags what to leave out. */
const BACKUP_FLAGS: Record<string, [key: string, value: boolean]> = {
  "--include-metrics": ["includeMetrics", true],
  "--exclude-credentials": ["includeCredentials", false],
  "--exclude-logs": ["includeLogs", false],
  "--exclude-events": ["includeEvents", false],
};

const ARCHIVE = /\.(zip|tar|tgz|tar\.gz|tar\.bz2|tbz2)$/i;

/** Private ranges only: the blueprint's own security group (kept in securityGroups) decided who else may connect. */
const DEFAULT_ALLOWED_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

export function migrateMomInputs(inputs: Record<string, unknown>, options: MomMigrationOptions): MomMigration {
  const openstack: Record<string, unknown> = {};
  const cluster: Record<string, unknown> = {};
  const resources: Record<string, unknown> = {};
  const restore: Record<string, unknown> = {};
  const backup: Record<string, unknown> = {};
  const config: Record<string, unknown> = { "cmom:platform": "openstack" };
  const secrets: SecretToSet[] = [];
  const notMigrated: NotMigrated[] = [];
  const notes: string[] = [];

  const given = (name: string) => inputs[name] !== undefined && inputs[name] !== null && inputs[name] !== "";
  const secretFromFile = (input: string, key: string, file: string, target: Record<string, unknown>, field: string) => {
    target[field] = placeholder(input);
    secrets.push({ input, key, file });
  };
  const secretInline = (input: string, key: string, target: Record<string, unknown>, field: string) => {
    target[field] = placeholder(input);
    secrets.push({ input, key });
  };
  /** A local file input as the stack file names it (a URL as it is). */
  const localFile = (value: unknown) =>
    (typeof value === "string" && value !== "" && !isUrl(value) ? pathForStackFile(path.resolve(options.inputsDir, value), options.stackPaths) : value);
  /** An entry with its local file keys named from the stack file (anything but a mapping as it is, for the stack's check to answer). */
  const withLocalFiles = <T>(entry: T, keys: string[]): T => {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return entry;
    const named: Record<string, unknown> = { ...(entry as Record<string, unknown>) };
    for (const key of keys) if (key in named) named[key] = localFile(named[key]);
    return named as T;
  };
  const copy = (input: string, target: Record<string, unknown>, field: string, convert: (v: unknown) => unknown = (v) => v) => {
    if (given(input)) target[field] = convert(inputs[input]);
  };

  const handled = new Set<string>();
  const handle = (...names: string[]) => names.forEach((n) => handled.add(n));

  // OpenStack: the server and its network.
  handle("os_image", "os_flavor", "os_network", "os_subnet", "os_keypair", "os_security_group", "os_server_group_policy",
    "os_floating_network", "resource_pool", "os_device_mapping");
  copy("os_image", openstack, "image");
  copy("os_flavor", openstack, "flavor");
  copy("os_network", openstack, "network");
  copy("os_subnet", openstack, "subnet");
  copy("os_keypair", openstack, "keypair");
  copy("os_security_group", openstack, "securityGroups", (g) => (Array.isArray(g) ? g : [g]));
  if (given("os_server_group_policy")) {
    openstack.serverGroupPolicy = inputs.os_server_group_policy;
  } else {
    notes.push("cmom:openstack.serverGroupPolicy: anti-affinity (the blueprint's default, affinity, put every member on one hypervisor)");
  }
  if (given("resource_pool")) {
    openstack.ipMode = "pool";
    openstack.resourcePool = asList(inputs.resource_pool).map((entry) => renameKeys(entry, { ip_address: "ipAddress" }));
    if (given("os_floating_network")) notMigrated.push({ input: "os_floating_network", reason: "resource_pool is given: the blueprint takes one IP mode, and cmom keeps the pool" });
  } else if (given("os_floating_network")) {
    openstack.ipMode = "floating";
    openstack.floatingNetwork = inputs.os_floating_network;
  } else {
    openstack.ipMode = "private";
  }
  if (given("os_device_mapping")) {
    openstack.blockDevices = asList(inputs.os_device_mapping).map((device) => {
      const mapped = renameKeys(device, {
        boot_index: "bootIndex", volume_size: "volumeSize", source_type: "sourceType", destination_type: "destinationType",
        delete_on_termination: "deleteOnTermination",
      });
      for (const numeric of ["bootIndex", "volumeSize"]) if (typeof mapped[numeric] === "string") mapped[numeric] = Number(mapped[numeric]);
      return mapped;
    });
  }
  openstack.allowedCidrs = [...(options.allowedCidrs ?? DEFAULT_ALLOWED_CIDRS)];
  if (!options.allowedCidrs) notes.push(`cmom:openstack.allowedCidrs: ${DEFAULT_ALLOWED_CIDRS.join(", ")} may reach 22/80/443 (no input decides it; --allow CIDR sets it)`);

  // OpenStack credentials: the provider's config, the password a secret.
  for (const [input, key] of Object.entries(PROVIDER_INPUTS)) {
    handle(input);
    if (!given(input)) continue;
    if (config[key] !== undefined) {
      notMigrated.push({ input, reason: `${key} is already set from another input (os_tenant and os_project name the same thing)` });
    } else {
      config[key] = inputs[input];
    }
  }
  handle("os_password");
  if (given("os_password")) secretInline("os_password", "openstack:password", config, "openstack:password");

  // The managers.
  handle("install_rpm_path", "num_of_instances", "manager_admin_username", "manager_admin_password", "ssh_user", "ssh_private_key_path",
    "ca_cert", "ca_key", "additional_config", "ldap_config", "scripts", "files");
  copy("install_rpm_path", cluster, "installRpm", localFile);
  copy("num_of_instances", cluster, "instances", Number);
  copy("manager_admin_username", cluster, "adminUsername");
  copy("ssh_user", cluster, "sshUser");
  copy("additional_config", cluster, "additionalConfig");
  copy("scripts", cluster, "scripts", (v) => asList(v).map(localFile));
  copy("files", cluster, "files", (v) => asList(v).map((f) => withLocalFiles(f, ["src"])));
  if (given("manager_admin_password")) secretInline("manager_admin_password", "cluster.adminPassword", cluster, "adminPassword");
  if (given("ssh_private_key_path")) secretFromFile("ssh_private_key_path", "cluster.sshPrivateKey", String(inputs.ssh_private_key_path), cluster, "sshPrivateKey");
  if (given("ca_key")) secretFromFile("ca_key", "cluster.caKey", String(inputs.ca_key), cluster, "caKey");
  if (given("ca_cert")) {
    // A certificate is public: its PEM goes into the stack file itself.
    const file = String(inputs.ca_cert);
    const pem = readText(path.resolve(options.inputsDir, file));
    if (pem === undefined) notMigrated.push({ input: "ca_cert", reason: `cannot read ${file} here: set its PEM with \`pulumi config set --path cluster.caCert < ${file}\`` });
    else cluster.caCert = pem;
  }
  if (given("ldap_config")) {
    const ldap = renameKeys(inputs.ldap_config, { dn_extra: "dnExtra", is_active_directory: "isActiveDirectory" });
    if (ldap.password !== undefined) secretInline("ldap_config.password", "cluster.ldap.password", ldap, "password");
    cluster.ldap = ldap;
  }

  // What runs on the managers.
  handle("tenants", "plugins", "secrets", "blueprints", "deployments");
  copy("tenants", resources, "tenants", asList);
  if (given("plugins")) {
    resources.plugins = asList(inputs.plugins).flatMap((plugin, i) => {
      const p = plugin as Record<string, unknown>;
      const url = [p.wagon, p.yaml].find((v) => typeof v === "string" && isUrl(v));
      if (url === undefined) return [withLocalFiles(p, ["wagon", "yaml"])];
      notMigrated.push({ input: `plugins[${i}]`, reason: `${url} is a URL: cmom uploads local files only (download it and name the file)` });
      return [];
    });
  }
  if (given("secrets")) {
    const kept: Record<string, unknown>[] = [];
    asList(inputs.secrets).forEach((secret, i) => {
      const s = { ...(secret as Record<string, unknown>) };
      const hasString = s.string !== undefined && s.string !== null && s.string !== "";
      if (hasString && s.file !== undefined && s.file !== null && s.file !== "") {
        notMigrated.push({ input: `secrets[${i}]`, reason: "has both string and file: keep exactly one, then add it to cmom:resources.secrets" });
        return;
      }
      if (hasString) secretInline(`secrets[${i}].string`, `resources.secrets[${kept.length}].string`, s, "string");
      kept.push(withLocalFiles(s, ["file"]));
    });
    resources.secrets = kept;
  }
  if (given("blueprints")) {
    resources.blueprints = asList(inputs.blueprints).flatMap((blueprint, i) => {
      const b = blueprint as Record<string, unknown>;
      const where = String(b.path ?? "");
      if (isUrl(where) || ARCHIVE.test(where)) {
        notMigrated.push({ input: `blueprints[${i}]`, reason: `${where} is ${isUrl(where) ? "a URL" : "an archive"}: cmom uploads a local folder or its main yaml file (unpack it and name that)` });
        return [];
      }
      return [withLocalFiles(b, ["path"])];
    });
  }
  if (given("deployments")) {
    resources.deployments = asList(inputs.deployments).map((d) => withLocalFiles(renameKeys(d, { deployment_id: "deploymentId", blueprint_id: "blueprintId" }), ["inputs"]));
  }

  // Upgrade: restore a snapshot of the old cluster.
  handle("restore", "snapshot_path", "old_deployment_id", "snapshot_id", "transfer_agents", "restore_params", "backup_params");
  if (inputs.restore === true || inputs.restore === "true") {
    copy("snapshot_path", restore, "snapshotPath", localFile);
    // The old deployment's snapshots are, in cmom, the old stack's: snapshots/<stack>/<id>.zip.
    copy("old_deployment_id", restore, "fromStack");
    copy("snapshot_id", restore, "snapshotId");
    copy("transfer_agents", restore, "transferAgents", (v) => v === true || v === "true");
    if (given("restore_params")) restore.params = flags("restore_params", inputs.restore_params, RESTORE_FLAGS, (f) => [f, true], notMigrated);
  } else {
    for (const name of ["snapshot_path", "old_deployment_id", "snapshot_id", "transfer_agents", "restore_params"]) {
      if (given(name)) notMigrated.push({ input: name, reason: "restore is not true: the blueprint ignored it too" });
    }
  }
  if (given("backup_params")) Object.assign(backup, flags("backup_params", inputs.backup_params, BACKUP_FLAGS, (entry) => entry, notMigrated));

  for (const name of Object.keys(inputs)) {
    if (!handled.has(name)) notMigrated.push({ input: name, reason: "unknown input: not one of the Manager of Managers blueprint's inputs" });
  }

  Object.assign(config, { "cmom:openstack": openstack, "cmom:cluster": cluster });
  if (Object.keys(resources).length > 0) config["cmom:resources"] = resources;
  if (Object.keys(restore).length > 0) config["cmom:restore"] = restore;
  if (Object.keys(backup).length > 0) config["cmom:backup"] = backup;
  return { config, secrets, notMigrated, notes };
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** The blueprint's snake_case keys to cmom's camelCase; other keys are kept as they are. */
function renameKeys(value: unknown, names: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [names[k] ?? k, v]));
}

function flags<T>(input: string, value: unknown, table: Record<string, T>, toEntry: (mapped: T) => [string, unknown], notMigrated: NotMigrated[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const flag of asList(value)) {
    const mapped = table[String(flag)];
    if (mapped === undefined) notMigrated.push({ input, reason: `${String(flag)} is not one of ${Object.keys(table).join(", ")}` });
    else {
      const [key, v] = toEntry(mapped);
      result[key] = v;
    }
  }
  return result;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
