import { majorMinor } from "../cloudify/client/versions";

/**
 * Which install path each supported Cloudify version (major.minor of the installer) takes:
 * - `ha4`: Cloudify 4.x HA, every node a whole manager, clustered with `cfy cluster start/join` (removed in 5.0);
 * - `roles`: the layout of the official cluster manager (PyPI cloudify-cluster-manager, whose first release installs 5.1):
 *   `cfy_manager install -c <role config.yaml>` per role, PostgreSQL clustered by Patroni/etcd, RabbitMQ clustered.
 * 5.0 has neither (its HA is gone and the cluster manager does not install it): it is refused like any version not listed.
 */
export const INSTALL_PATHS = {
  "4.3": "ha4", "4.4": "ha4", "4.5": "ha4", "4.6": "ha4",
  "5.1": "roles", "5.2": "roles", "6.0": "roles", "6.1": "roles", "6.2": "roles", "6.3": "roles", "6.4": "roles", "7.0": "roles",
} as const;

export type SupportedVersion = keyof typeof INSTALL_PATHS;
export type InstallPath = (typeof INSTALL_PATHS)[SupportedVersion];

function isSupportedVersion(version: string): version is SupportedVersion {
  return Object.hasOwn(INSTALL_PATHS, version);
}

/** The path of a configured version; a stack without cmom:cluster.version is a 4.x stack (what cmom installed before it had the key). */
export function installPathOf(version: string | undefined): InstallPath | undefined {
  if (version === undefined) return "ha4";
  const key = majorMinor(version);
  return isSupportedVersion(key) ? INSTALL_PATHS[key] : undefined;
}

export const SUPPORTED_VERSIONS_TEXT = "4.3 … 4.6 (HA) and 5.1 … 7.0 (cluster-manager layout)";

/** The version in an installer's file name (`cloudify-manager-install-7.0.0-ga.el7.x86_64.rpm`, `…-4.5.5ga.rpm`), if it has one. */
export function installerFileVersion(installRpm: string): string | undefined {
  return /cloudify-manager-install-(\d+\.\d+\.\d+)/.exec(installRpm.split(/[\\/]/).pop() ?? "")?.[1];
}
