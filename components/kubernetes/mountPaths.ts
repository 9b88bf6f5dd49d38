/**
 * Where the component mounts its own files in the manager's containers. All below /etc/cmom: outside /run (a systemd-era
 * image puts a tmpfs over /run, and /var/run is a link to /run, so anything mounted there is hidden) and outside every
 * persisted path (nothing of ours is ever copied onto the volume).
 */
export const CMOM_DIR = "/etc/cmom";

/** seed-and-link.sh and the start hooks (ConfigMap, read-only). */
export const SCRIPTS_DIR = `${CMOM_DIR}/scripts`;

/** The admin password (Secret, mounted as a directory so a rotated value reaches the running pod). */
export const ADMIN_SECRET_DIR = `${CMOM_DIR}/admin`;
export const ADMIN_PASSWORD_FILE = "password";

/**
 * The projected service-account token, CA bundle and namespace for the manager's Kubernetes plugin. The plugin finds them
 * through the kubeconfig (tokenFile, certificate-authority), not through the legacy /var/run/secrets location.
 */
export const SERVICE_ACCOUNT_DIR = `${CMOM_DIR}/serviceaccount`;

/** The manager's config.yaml as rendered by cmom (ConfigMap), for images that configure on start. */
export const MANAGER_CONFIG_DIR = `${CMOM_DIR}/manager-config`;
export const MANAGER_CONFIG_FILE = "config.yaml";
