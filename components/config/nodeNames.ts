import type { OpenStackConfig } from "./openstackSchema";

/** Server (and host) name of each node: the pool's hostname in pool mode, else `<namePrefix>-<index>`. */
export function nodeNames(instances: number, namePrefix: string, openstack: Pick<OpenStackConfig, "resourcePool">): string[] {
  return Array.from({ length: instances }, (_, index) => openstack.resourcePool?.[index]?.hostname ?? `${namePrefix}-${index}`);
}
