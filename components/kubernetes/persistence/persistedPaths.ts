/**
 * Default persisted paths per Cloudify Manager image generation, for CMOM_PERSIST_PATHS of seed-and-link.sh.
 * Data only, never code or virtualenvs: after an image upgrade the new image's code must run, against the old
 * data (kubernetes-persistence.md, failure #4). seed-and-link.sh enforces that rule; README.md states it.
 */
export type ImageGeneration = "systemd" | "modern";

export const persistedPaths: Readonly<Record<ImageGeneration, readonly string[]>> = Object.freeze({
  /**
   * ≤5.1 images, systemd as PID 1, configured when the image was built: the seed's list (seeds 000/001), minus
   * /opt/mgmtworker/env/plugins. That directory holds plugin virtualenvs built against the image's Python, i.e.
   * code: kept on the volume it would run old plugin builds under a new image's interpreter. The wagons they are
   * built from are persisted in /opt/manager/resources/plugins, so plugins can be reinstalled from there.
   */
  systemd: Object.freeze([
    // PostgreSQL 9.5 cluster: blueprints, deployments, executions, users, tenants, encrypted secrets.
    "/var/lib/pgsql/9.5/data",
    // File server: uploaded blueprints, plugin wagons, deployment resources, snapshots.
    "/opt/manager/resources",
    // The management worker's per-deployment working directories (state of running and past workflows).
    "/opt/mgmtworker/work/deployments",
  ]),
  /**
   * 6.x+ all-in-one images: installed at build time, configured on first start (`cfy_manager image-starter`), so
   * what configure creates must land on the volume too; directories only, because a file that does not exist
   * in the image yet cannot be seeded or mounted by subPath.
   */
  modern: Object.freeze([
    // PostgreSQL home with every major version's cluster (9.5/data, 14/data): version-agnostic, so an image that
    // moves to a newer PostgreSQL still finds the old cluster to upgrade from. initdb on first start writes here.
    "/var/lib/pgsql",
    // RabbitMQ (runs inside the aio image): per-tenant vhosts and users, durable queues, the Erlang cookie. The
    // Mnesia directory is named after the node's hostname, hence the fixed hostname of the workload.
    "/var/lib/rabbitmq",
    // File server: uploaded blueprints, plugin wagons, deployment resources, snapshots.
    "/opt/manager/resources",
    // Management worker state: per-deployment working directories and the admin token it authenticates with.
    "/opt/mgmtworker/work",
    // Configure state (cfyuser's home; the installer rpm creates it): the .configured markers that tell the image's
    // starter not to configure again over existing data, ssl/ with the internal CA that every installed agent and
    // client trusts, and config.yaml as configured. The whole directory because ssl/ and the markers only appear
    // on first start. Config that must follow the stack is re-rendered into it on every start, not frozen here.
    "/etc/cloudify",
    // Console (stage) user data: widgets and templates uploaded by users (cloudify-helm's worker chart keeps the
    // same directory on its volume).
    "/opt/cloudify-stage/dist/userData",
  ]),
});
