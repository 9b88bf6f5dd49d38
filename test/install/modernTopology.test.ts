// Cloudify 5.1 … 7.0 in the official cluster manager's layout: the version and topology keys, each role's config.yaml, and
// the install order as the offline plan draws it (database → broker → manager, nothing waiting that need not).
import { describe, expect, it } from "vitest";
import { roleInstallerFacts } from "../../components/install/modern/installerVersions";
import { roleConfig, type ClusterCredentials } from "../../components/install/modern/roleConfig";
import { installPredecessors, roleLayout } from "../../components/install/modern/roleLayout";
import { exampleNamespaces } from "../support/exampleStacks";
import { problems, problemsAfter } from "../support/parseConfig";
import { runScriptProcess } from "../support/runScript";

describe("cmom:cluster.version and cmom:cluster.topology", () => {
  it("accepts both example stacks", () => {
    expect(problems(exampleNamespaces("modern-aio"))).toEqual([]);
    expect(problems(exampleNamespaces("modern-split"))).toEqual([]);
  });

  it("refuses a version it does not support, naming it, and nothing else is checked against it", () => {
    for (const version of ["5.0.5", "7.1.0", "3.4"]) {
      expect(problemsAfter("modern-aio", (ns) => {
        ns.cluster.version = version;
        ns.cluster.installRpm = "https://example.com/installer.rpm";
      })).toEqual([`cmom:cluster.version: Cloudify ${version} is not supported (supported: 4.3 … 4.6 (HA) and 5.1 … 7.0 (cluster-manager layout))`]);
    }
  });

  it("names the installer's version when it is not the configured one", () => {
    expect(problemsAfter("modern-aio", (ns) => {
      ns.cluster.version = "6.4.0";
    })).toEqual(["cmom:cluster.version: 6.4.0 but cmom:cluster.installRpm is the 7.0.0 installer"]);
  });

  it("reports every topology problem of a stack in one run, with key, expected and found", () => {
    expect(problemsAfter("modern-split", (ns) => {
      ns.hosts.pop();
      ns.cluster.roles = ["database", "broker", "broker", "broker", "broker", "manager", "manager", "manager"];
      ns.cluster.rejoinVia = "10.40.0.41";
    })).toEqual([
      "cmom:cluster.rejoinVia: only for 4.x HA clusters (found version 7.0.0)",
      "cmom:cluster.roles: expected at least 3 database nodes, found 1",
    ]);
    expect(problemsAfter("modern-split", (ns) => {
      ns.hosts.pop();
      delete ns.cluster.roles;
    })).toEqual(["cmom:hosts: a split cluster has 9 nodes (3 database, 3 broker, 3 manager), found 8"]);
    expect(problemsAfter("modern-split", (ns) => {
      ns.cluster.roles = ["database", "all", "database", "broker", "broker", "broker", "manager", "manager"];
    })).toEqual([
      "cmom:cluster.roles: one role per node, expected 9 entries, found 8",
      "cmom:cluster.roles: `all` is for topology all-in-one (a split node has one role)",
      "cmom:cluster.roles: expected at least 3 database nodes, found 2",
      "cmom:cluster.roles: expected at least 3 manager nodes, found 2",
    ]);
  });

  it("a local installer is taken (cmom uploads it to each node) and its version still checked", () => {
    expect(problemsAfter("modern-aio", (ns) => {
      ns.cluster.installRpm = "installers/cloudify-manager-install-7.0.0-ga.el7.x86_64.rpm";
    })).toEqual([]);
    expect(problemsAfter("modern-aio", (ns) => {
      ns.cluster.installRpm = "installers/cloudify-manager-install-6.4.0-ga.el7.x86_64.rpm";
    })).toEqual(["cmom:cluster.version: 7.0.0 but cmom:cluster.installRpm is the 6.4.0 installer"]);
  });

  it("an all-in-one cluster has 1 or 3 nodes; more only as added nodes after three `all` ones", () => {
    expect(problemsAfter("modern-aio", (ns) => {
      ns.hosts.pop();
    })).toEqual(["cmom:hosts: an all-in-one cluster has 1 or 3 nodes (list added nodes' roles in cmom:cluster.roles), found 2"]);
    expect(problemsAfter("modern-aio", (ns) => {
      ns.hosts.push({ name: "cfy-aio-d", address: "192.0.2.34", privateAddress: "10.40.0.34" });
    })).toEqual(["cmom:hosts: an all-in-one cluster has 1 or 3 nodes (list added nodes' roles in cmom:cluster.roles), found 4"]);
    expect(problemsAfter("modern-aio", (ns) => {
      ns.hosts.push({ name: "cfy-aio-d", address: "192.0.2.34", privateAddress: "10.40.0.34" });
      ns.cluster.roles = ["all", "all", "all", "manager"];
    })).toEqual([]);
    expect(problemsAfter("modern-aio", (ns) => {
      ns.hosts.push({ name: "cfy-aio-d", address: "192.0.2.34", privateAddress: "10.40.0.34" });
      ns.cluster.roles = ["all", "manager", "all", "all"];
    })).toEqual(['cmom:cluster.roles: an all-in-one cluster with added nodes starts with 3 `all` nodes and has no other, found ["all","manager","all","all"]']);
    expect(problemsAfter("modern-aio", (ns) => {
      ns.hosts.splice(1);
      ns.hosts.push({ name: "cfy-aio-d", address: "192.0.2.34", privateAddress: "10.40.0.34" });
      ns.cluster.roles = ["all", "manager"];
    })).toEqual(['cmom:cluster.roles: an all-in-one cluster with added nodes starts with 3 `all` nodes and has no other, found ["all","manager"]']);
  });

  it("a 4.x stack has no topology", () => {
    expect(problemsAfter("hosts", (ns) => {
      ns.cluster.topology = "split";
    })).toEqual(["cmom:cluster.topology: not used without cmom:cluster.version (a 4.x cluster): 4.x nodes are whole managers (set cmom:cluster.version to 5.1 or later)"]);
    expect(problemsAfter("hosts", (ns) => {
      ns.cluster.topology = "split";
      ns.cluster.version = "4.5.5";
    })).toEqual(["cmom:cluster.topology: not used for Cloudify 4.5: 4.x nodes are whole managers (set cmom:cluster.version to 5.1 or later)"]);
  });

  it("refuses LDAP in config.yaml where the installer has no such section (6.3 on)", () => {
    expect(problemsAfter("modern-aio", (ns) => {
      ns.cluster.ldap = { server: "ldap://10.0.0.9", username: "bind", password: "Ldap-Secret-4410", domain: "example.com" };
    })).toEqual(["cmom:cluster.ldap: Cloudify 7.0.0 takes LDAP through its REST API, not the installer's config.yaml (which has it up to 6.2); cmom does not set it there yet"]);
  });
});

const CREDENTIALS: ClusterCredentials = {
  rabbitmqUsername: "mquser", rabbitmqPassword: "mqpass", erlangCookie: "cookie", postgresPassword: "pgpass", etcdClusterToken: "token",
  etcdRootPassword: "etcdroot", etcdPatroniPassword: "etcdpatroni", patroniRestPassword: "patronirest", replicatorPassword: "replicator",
  prometheusUsername: "promuser", prometheusPassword: "prompass",
};

describe("each role's config.yaml (config_files_templates @1.1.7 of the official cluster manager)", () => {
  const layout = roleLayout("all-in-one", 3, undefined);
  const placed = (role: string) => layout.filter((i) => i.role === role).map((i) => ({ name: i.name, privateIp: `10.0.0.${i.nodeIndex + 1}` }));
  const configOf = (name: string, version = "7.0.0", additionalConfig = {}) => roleConfig({
    instance: layout.find((i) => i.name === name)!,
    node: { hostname: "node", privateIp: "10.0.0.1", publicIp: "192.0.2.1" },
    databases: placed("database"),
    brokers: placed("broker"),
    credentials: CREDENTIALS,
    admin: { username: "admin", password: "Adm1n-pass" },
    facts: roleInstallerFacts(version),
    additionalConfig,
  }) as Record<string, any>;

  it("a database node: Patroni/etcd members and credentials, its own certificate, no CA key", () => {
    const config = configOf("postgresql-2");
    expect(config.services_to_install).toEqual(["database_service", "monitoring_service"]);
    expect(config.postgresql_server.cluster.nodes).toEqual({ "postgresql-1": { ip: "10.0.0.1" }, "postgresql-2": { ip: "10.0.0.2" }, "postgresql-3": { ip: "10.0.0.3" } });
    expect(config.postgresql_server.cluster.etcd).toEqual({ cluster_token: "token", root_password: "etcdroot", patroni_password: "etcdpatroni" });
    expect(config.postgresql_server.cert_path).toBe("/etc/cmom/certs/postgresql-2.crt");
    expect(JSON.stringify(config)).not.toContain("ca_key");
  });

  it("a broker joins the first broker's cluster unless it is the first", () => {
    expect(configOf("rabbitmq-1").rabbitmq.join_cluster).toBeUndefined();
    expect(configOf("rabbitmq-3").rabbitmq).toMatchObject({ nodename: "rabbitmq-3", join_cluster: "rabbitmq-1", erlang_cookie: "cookie", username: "mquser" });
    expect(configOf("rabbitmq-3").rabbitmq.cluster_members["rabbitmq-2"]).toEqual({ networks: { default: "10.0.0.2" } });
  });

  it("a manager: both clusters, the admin, its certificates; the superuser client certificate only from 7.0", () => {
    const config = configOf("manager-1");
    expect(config.services_to_install).toEqual(["manager_service", "monitoring_service", "entropy_service"]);
    expect(config.manager.security).toEqual({ ssl_enabled: true, admin_username: "admin", admin_password: "Adm1n-pass" });
    expect(Object.keys(config.postgresql_server.cluster.nodes)).toEqual(["postgresql-1", "postgresql-2", "postgresql-3"]);
    expect(config.ssl_inputs).toMatchObject({ external_cert_path: "/etc/cmom/certs/manager-1-external.crt", postgresql_client_cert_path: "/etc/cmom/certs/db-client.crt" });
    expect(config.ssl_inputs.postgresql_superuser_client_cert_path).toBe("/etc/cmom/certs/db-superuser-client.crt");
    expect(configOf("manager-1", "6.4.0").ssl_inputs.postgresql_superuser_client_cert_path).toBeUndefined();
    expect(JSON.stringify(config)).not.toContain("ca_key");
  });

  it("additionalConfig is merged key by key over what is generated", () => {
    const config = configOf("manager-1", "7.0.0", { manager: { security: { admin_username: "root" } }, validations: { skip_validations: true } });
    expect(config.manager.security).toEqual({ ssl_enabled: true, admin_username: "root", admin_password: "Adm1n-pass" });
    expect(config.manager.private_ip).toBe("10.0.0.1");
    expect(config.validations).toEqual({ skip_validations: true });
  });
});

describe("the layout and what each install waits for", () => {
  it("a single all-in-one node is one install of every service", () => {
    expect(roleLayout("all-in-one", 1, undefined)).toEqual([{ role: "whole", name: "manager-1", ordinal: 1, nodeIndex: 0, services: ["database_service", "queue_service", "manager_service", "monitoring_service", "entropy_service"] }]);
  });

  it("split roles come from the roles list when given", () => {
    const roles = (["manager", "broker", "database"] as const).flatMap((role) => [role, role, role]);
    expect(roleLayout("split", 9, roles).filter((i) => i.role === "database").map((i) => i.nodeIndex)).toEqual([6, 7, 8]);
    expect(roleLayout("split", 9, undefined).filter((i) => i.role === "database").map((i) => i.nodeIndex)).toEqual([0, 1, 2]);
  });

  it("nodes added to the layout come last in their role and wait for what they join", () => {
    const layout = roleLayout("all-in-one", 6, ["all", "all", "all", "manager", "database", "broker"]);
    const added = layout.filter((i) => i.ordinal > 3);
    expect(added.map((i) => [i.name, i.nodeIndex])).toEqual([["postgresql-4", 4], ["rabbitmq-4", 5], ["manager-4", 3]]);
    expect(Object.fromEntries(added.map((i) => [i.name, installPredecessors(i, layout).map((p) => p.name)]))).toEqual({
      "postgresql-4": ["postgresql-1", "postgresql-2", "postgresql-3"], "rabbitmq-4": ["rabbitmq-1"], "manager-4": ["manager-1"],
    });
  });

  it("databases wait for nothing, brokers for the databases then the first broker, managers for the brokers then the first manager", () => {
    const layout = roleLayout("split", 9, undefined);
    const waits = Object.fromEntries(layout.map((i) => [i.name, installPredecessors(i, layout).map((p) => p.name)]));
    expect(waits).toEqual({
      "postgresql-1": [], "postgresql-2": [], "postgresql-3": [],
      "rabbitmq-1": ["postgresql-1", "postgresql-2", "postgresql-3"], "rabbitmq-2": ["rabbitmq-1"], "rabbitmq-3": ["rabbitmq-1"],
      "manager-1": ["rabbitmq-1", "rabbitmq-2", "rabbitmq-3"], "manager-2": ["manager-1"], "manager-3": ["manager-1"],
    });
  });
});

interface PlannedResource { name: string; type: string; dependsOn: string[]; urn: string }

function plan(name: string): PlannedResource[] {
  const run = runScriptProcess("plan", name, "--json");
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout).resources;
}

/**
 * The install steps and, for each, the nearest install steps it waits for (directly or through steps that are not installs);
 * then the makespan of the install phase if every install took one unit and everything else none.
 */
function installGraph(resources: PlannedResource[], stackName: string) {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const isInstall = (r: PlannedResource) => /-(postgresql|rabbitmq|manager)-\d+-install$/.test(r.name);
  const label = (r: PlannedResource) => /(postgresql|rabbitmq|manager)-\d+(?=-install$)/.exec(r.name)![0];
  const installWaits = (r: PlannedResource, seen = new Set<string>()): Set<string> => {
    const found = new Set<string>();
    for (const urn of r.dependsOn) {
      if (seen.has(urn)) continue;
      seen.add(urn);
      const dep = byUrn.get(urn)!;
      if (isInstall(dep)) found.add(label(dep));
      else for (const x of installWaits(dep, seen)) found.add(x);
    }
    return found;
  };
  const installs = resources.filter(isInstall);
  expect(installs.every((r) => r.name.startsWith(`${stackName}-install-node-`))).toBe(true);
  const waits = new Map(installs.map((r) => [label(r), [...installWaits(r)].sort()]));
  const finish = new Map<string, number>();
  const finishOf = (n: string): number => finish.get(n) ?? (finish.set(n, 1 + Math.max(0, ...waits.get(n)!.map(finishOf))), finish.get(n)!);
  const makespan = Math.max(...[...waits.keys()].map(finishOf));
  return { waits: Object.fromEntries(waits), makespan };
}

describe.each([
  ["modern-split", 9],
  ["modern-aio", 3],
] as const)("npm run plan -- %s --json", (stackName, nodes) => {
  const resources = plan(stackName);
  const { waits, makespan } = installGraph(resources, stackName);

  it("installs every role of every node", () => {
    expect(Object.keys(waits).sort()).toEqual(["manager-1", "manager-2", "manager-3", "postgresql-1", "postgresql-2", "postgresql-3", "rabbitmq-1", "rabbitmq-2", "rabbitmq-3"]);
    expect(new Set(resources.filter((r) => r.name.endsWith("-prepare")).map((r) => r.name)).size).toBe(nodes);
  });

  it("cleans up every node on destroy with the role tool", () => {
    const cleanups = resources.filter((r) => r.type === "pulumi-nodejs:dynamic/cmom:RoleCleanup") as (PlannedResource & { inputs: { command: string } })[];
    expect(cleanups).toHaveLength(nodes);
    for (const cleanup of cleanups) expect(cleanup.inputs.command).toContain("sudo -n bash /opt/cmom/bin/cmom-role cleanup");
  });

  it("orders database → broker → manager and makes no install wait for another it does not need", () => {
    expect(waits).toEqual({
      "postgresql-1": [], "postgresql-2": [], "postgresql-3": [],
      "rabbitmq-1": ["postgresql-1", "postgresql-2", "postgresql-3"],
      "rabbitmq-2": ["rabbitmq-1"], "rabbitmq-3": ["rabbitmq-1"],
      "manager-1": ["rabbitmq-1", "rabbitmq-2", "rabbitmq-3"],
      "manager-2": ["manager-1"], "manager-3": ["manager-1"],
    });
    // The inherent critical path: databases together, the first broker, the joining brokers, the first manager, the joining managers.
    expect(makespan).toBe(5);
  });

  it("signs every certificate on the operator's side: no step ships the CA key, and every role has its own certificate", () => {
    const text = JSON.stringify(resources);
    expect(text).not.toContain("ca.key");
    expect(text).not.toMatch(/ca_key_path":"[^"]/);
    for (const role of Object.keys(waits)) expect(resources.some((r) => r.name === `${stackName}-install-${role}-certs`)).toBe(true);
  });
});
