import { listAll } from "./list";
import type { CloudifyRest } from "./rest";

/** The fields of a node instance that tell whether its deployment's agents can be installed. */
export interface NodeInstanceState {
  readonly id: string;
  /** The Compute instance it runs on; a Compute instance's is its own id. */
  readonly host_id: string | null;
  readonly deployment_id: string;
  readonly state: string;
}

/** `/node-instances` of the connection's tenant. */
export class NodeInstancesApi {
  constructor(private readonly rest: CloudifyRest) {}

  ofDeployment(deploymentId: string): Promise<NodeInstanceState[]> {
    return listAll<NodeInstanceState>(this.rest, "/node-instances", { deployment_id: deploymentId, _include: "id,host_id,deployment_id,state" });
  }
}
