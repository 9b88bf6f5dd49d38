import { majorMinor } from "../../cloudify/client/versions";
import type { INSTALL_PATHS, SupportedVersion } from "../../config/clusterVersion";

/** The versions that install by roles: every one of them needs a row below (the compiler checks it). */
type RoleVersion = { [V in SupportedVersion]: (typeof INSTALL_PATHS)[V] extends "roles" ? V : never }[SupportedVersion];

/** What a role's config.yaml takes, per installer version (cloudify-manager-install config.yaml at each release tag). */
export interface RoleInstallerFacts {
  /** ssl_inputs.postgresql_superuser_client_cert_path/key_path: a second database client certificate, CN postgres (7.0.0 on). */
  readonly superuserClientCert: boolean;
  /** restservice.ldap in config.yaml (5.1.0 … 6.2.0; 6.3.0 dropped the section). */
  readonly ldapInConfig: boolean;
}

const FACTS = (superuserClientCert: boolean, ldapInConfig: boolean): RoleInstallerFacts => ({ superuserClientCert, ldapInConfig });

const ROLE_INSTALLER_VERSIONS: Record<RoleVersion, RoleInstallerFacts> = {
  "5.1": FACTS(false, true),
  "5.2": FACTS(false, true),
  "6.0": FACTS(false, true),
  "6.1": FACTS(false, true),
  "6.2": FACTS(false, true),
  "6.3": FACTS(false, false),
  "6.4": FACTS(false, false),
  "7.0": FACTS(true, false),
};

export function roleInstallerFacts(version: string): RoleInstallerFacts {
  const facts = (ROLE_INSTALLER_VERSIONS as Record<string, RoleInstallerFacts>)[majorMinor(version)];
  if (facts === undefined) throw new Error(`Cloudify ${version} does not install by roles`);
  return facts;
}
