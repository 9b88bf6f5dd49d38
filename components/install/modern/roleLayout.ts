import { BASE_PER_ROLE, nodeRoles, type NodeRole, type Role, type Topology } from "../../config/clusterTopology";

/**
 * One `cfy_manager install` on one node: a role of the cluster-manager layout, or the whole manager on a single node.
 * Names as the official cluster manager gives them (`postgresql-1`, `rabbitmq-2`, `manager-3`: cfy_cluster_manager/main.py
 * @1.1.7, _generate_three_nodes_cluster_dict): they name the config file, RabbitMQ's node and Patroni's member.
 */
export interface RoleInstance {
  readonly role: Role | "whole";
  readonly name: string;
  /** 1-based within the role. */
  readonly ordinal: number;
  /** Which node (machine) it is installed on. */
  readonly nodeIndex: number;
  /** services_to_install of its config.yaml. */
  readonly services: readonly string[];
}

const ROLE_NAMES: Record<Role, string> = { database: "postgresql", broker: "rabbitmq", manager: "manager" };

/** Per role, as the official templates list them (config_files_templates/*_config.yaml @1.1.7); the first is the role's own. */
const ROLE_SERVICES: Record<Role | "whole", readonly string[]> = {
  database: ["database_service", "monitoring_service"],
  broker: ["queue_service", "monitoring_service"],
  manager: ["manager_service", "monitoring_service", "entropy_service"],
  // The installer's own default (config.yaml @5.1.0 … 7.0.0): everything on one machine.
  whole: ["database_service", "queue_service", "manager_service", "monitoring_service", "entropy_service"],
};

/**
 * The installs of a cluster in the official order: databases, then brokers, then managers, each role in node order (so the
 * nodes added to the official layout come last in their role).
 */
export function roleLayout(topology: Topology, nodeCount: number, roles: readonly NodeRole[] | undefined): RoleInstance[] {
  if (topology === "all-in-one" && nodeCount === 1) {
    return [{ role: "whole", name: "manager-1", ordinal: 1, nodeIndex: 0, services: ROLE_SERVICES.whole }];
  }
  const perNode = nodeRoles(topology, nodeCount, roles);
  return (["database", "broker", "manager"] as const).flatMap((role) => {
    const nodes = Array.from({ length: nodeCount }, (_, index) => index).filter((index) => perNode[index] === role || perNode[index] === "all");
    return nodes.map((nodeIndex, i) => ({ role, name: `${ROLE_NAMES[role]}-${i + 1}`, ordinal: i + 1, nodeIndex, services: ROLE_SERVICES[role] }));
  });
}

/**
 * An instance beyond the official layout's three of its role: it joins a running cluster (scale-out) and is the kind that
 * leaves it again (scale-in); the layout's own instances are the cluster.
 */
export const isAdded = (instance: RoleInstance): boolean => instance.role !== "whole" && instance.ordinal > BASE_PER_ROLE;

/**
 * What each install waits for, and nothing more (the install phase's critical path is then its inherent one):
 * - database nodes install together (postgresql_server.py @7.0.0 expects several nodes installing at once and takes an etcd
 *   role as a lock for setting up authentication);
 * - the first broker after every database (the official order), the other brokers after the first: they join its RabbitMQ
 *   cluster (rabbitmq.join_cluster, rabbitmq.py _possibly_join_cluster @5.1.0 … 7.0.0), so it must run;
 * - the first manager after every broker; the others after it: the first one creates the database schema, and a second one
 *   installing at the same time would find no schema either and create it again (restservice.py check_db_exists @7.0.0).
 * - a database node added later after the layout's databases: it joins their running etcd and Patroni cluster
 *   (postgresql_server.py, "joining a new node to an existing cluster", @5.1.0 … 7.0.0).
 * On an all-in-one node this also keeps one install at a time per machine.
 */
export function installPredecessors(instance: RoleInstance, all: readonly RoleInstance[]): RoleInstance[] {
  const of = (role: Role) => all.filter((other) => other.role === role);
  const first = (role: Role) => of(role).filter((other) => other.ordinal === 1);
  switch (instance.role) {
    case "whole":
      return [];
    case "database":
      return isAdded(instance) ? of("database").filter((other) => !isAdded(other)) : [];
    case "broker":
      return instance.ordinal === 1 ? of("database") : first("broker");
    case "manager":
      return instance.ordinal === 1 ? of("broker") : first("manager");
  }
}
