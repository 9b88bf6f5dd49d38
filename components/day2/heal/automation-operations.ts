import type { EngineEvent } from "@pulumi/pulumi/automation";
import { CloudifyClient } from "../../cloudify/client";
import type { CloudifyConnection } from "../../cloudify/client/connection";
import { isNotFound } from "../../cloudify/client/errors";
import { setBackupTrigger, type AutomationStack } from "../automation-stack";
import { endpointFor } from "../../cloudify/client/endpoints";
import type { ClusterStatusValue } from "../../cloudify/day2/cluster-status-read";
import type { HealOperations } from "./heal";
import type { HealView, ResourceStep, StackNode, StateResource } from "./heal-plan";
import { parseUrn, TYPES } from "../../naming/resourceNames";
import { installPathOf } from "../../config/clusterVersion";

interface StateEntry extends StateResource {
  readonly outputs?: Record<string, unknown>;
}


/** A config value of the stack, or `fallback` when it is not set. */
async function configOr(stack: AutomationStack, key: string, fallback: string): Promise<string> {
  try {
    return (await stack.getConfig(key, key.includes("."))).value;
  } catch {
    return fallback;
  }
}

/** Collects the resource steps an operation reports: announced (`pre`, for previews) or finished (`outputs`, for updates). */
function stepCollector(kind: "pre" | "outputs"): { steps: ResourceStep[]; onEvent: (event: EngineEvent) => void } {
  const steps: ResourceStep[] = [];
  return {
    steps,
    onEvent: (event) => {
      const metadata = (kind === "pre" ? event.resourcePreEvent : event.resOutputsEvent)?.metadata;
      if (metadata) steps.push({ urn: metadata.urn, op: metadata.op });
    },
  };
}

/**
 * HealOperations on a real stack: the Automation API for Pulumi, the REST client for the cluster (credentials and CA from
 * `cmom:cluster`, decrypted by Pulumi and kept in memory only). `client` is injectable for tests.
 */
export function automationHealOperations(
  stack: AutomationStack,
  output: (text: string) => void,
  client: (connection: CloudifyConnection) => CloudifyClient = (connection) => new CloudifyClient(connection),
): HealOperations {
  return {
    async refresh() {
      await stack.refresh({ onOutput: output });
    },
    async inspect(): Promise<HealView> {
      const deployment = (await stack.exportStack()).deployment as { resources?: StateEntry[] } | undefined;
      const resources = deployment?.resources ?? [];
      const root = resources.find((r) => r.type === TYPES.stack);
      if (root === undefined) throw new Error(`stack ${stack.name} has no resources yet: run pulumi up first`);
      const { stack: stackName, project } = parseUrn(root.urn);
      return {
        scope: { stack: stackName, project },
        platform: await configOr(stack, "cmom:platform", "openstack"),
        // A stack without the key is a 4.x stack (what cmom installed before it had the key).
        installPath: installPathOf((await configOr(stack, "cmom:cluster.version", "")) || undefined),
        nodes: (root.outputs?.nodes as StackNode[] | undefined) ?? [],
        status: resources.find((r) => r.type === TYPES.clusterStatus)?.outputs?.clusterStatus as ClusterStatusValue | undefined,
        resources: resources.map((r) => ({ urn: r.urn, type: r.type })),
      };
    },
    async preview(replace) {
      const collector = stepCollector("pre");
      await stack.preview({ replace: [...replace], onOutput: output, onEvent: collector.onEvent });
      return collector.steps;
    },
    async setRejoinVia(privateIp) {
      await stack.setConfig("cluster.rejoinVia", { value: privateIp }, true);
    },
    async backup(trigger, backupUrn) {
      await setBackupTrigger(stack, trigger);
      await stack.up({ target: [backupUrn], onOutput: output });
    },
    async removeClusterNode(name, via) {
      const cluster = JSON.parse((await stack.getConfig("cmom:cluster")).value) as { adminUsername?: string; adminPassword: string; caCert: string };
      const members = client({
        endpoints: via.map(endpointFor),
        username: cluster.adminUsername ?? "admin",
        password: cluster.adminPassword,
        caCert: cluster.caCert,
        tenant: "default_tenant",
      });
      try {
        await members.manager.removeClusterMember(name);
      } catch (error) {
        if (!isNotFound(error)) throw error; // already gone from the cluster
      }
    },
    async up(replace) {
      const collector = stepCollector("outputs");
      await stack.up({ replace: [...replace], onOutput: output, onEvent: collector.onEvent });
      return collector.steps;
    },
  };
}
