import { CERTS_DIR } from "../nodePaths";

// Where the cluster-manager layout's files go on a node. The config files sit where the official cluster manager puts them
// (/etc/cloudify/<instance>_config.yaml: CfyNode.config_path, cfy_cluster_manager/main.py @1.1.7); certificates beside cmom's.

export const roleConfigPath = (instance: string): string => `/etc/cloudify/${instance}_config.yaml`;
export const CA_PATH = `${CERTS_DIR}/ca.pem`;
export const roleCertPath = (instance: string): string => `${CERTS_DIR}/${instance}.crt`;
export const roleKeyPath = (instance: string): string => `${CERTS_DIR}/${instance}.key`;
/** A manager's certificate for its UI and REST API (the other is for the cluster's own traffic). */
export const externalCertPath = (instance: string): string => `${CERTS_DIR}/${instance}-external.crt`;
export const externalKeyPath = (instance: string): string => `${CERTS_DIR}/${instance}-external.key`;
/** The managers' database client certificates: CN cloudify (the database user) and CN postgres (its superuser). */
export const DB_CLIENT = { cert: `${CERTS_DIR}/db-client.crt`, key: `${CERTS_DIR}/db-client.key` } as const;
export const DB_SUPERUSER_CLIENT = { cert: `${CERTS_DIR}/db-superuser-client.crt`, key: `${CERTS_DIR}/db-superuser-client.key` } as const;
