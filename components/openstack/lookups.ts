import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Config accepts OpenStack objects by name or by ID, like the reference did; an ID is used as given. */
export const isOpenStackId = (nameOrId: string) => UUID.test(nameOrId);

export function networkId(nameOrId: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  if (isOpenStackId(nameOrId)) return pulumi.output(nameOrId);
  return openstack.networking.getNetworkOutput({ name: nameOrId }, opts).id;
}

/** The subnet's ID and CIDR (the CIDR scopes the agent-facing security rules). */
export function subnet(nameOrId: string, opts: pulumi.InvokeOutputOptions) {
  const found = openstack.networking.getSubnetOutput(isOpenStackId(nameOrId) ? { subnetId: nameOrId } : { name: nameOrId }, opts);
  return { id: found.id, cidr: found.cidr };
}

export function securityGroupId(nameOrId: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  if (isOpenStackId(nameOrId)) return pulumi.output(nameOrId);
  return openstack.networking.getSecGroupOutput({ name: nameOrId }, opts).id;
}
