import type * as pulumi from "@pulumi/pulumi";
import { CloudifyClient } from "../client";
import type { ClientTuning, CloudifyConnection } from "../client/connection";
import { resourceIdFailures } from "./check-rules";
import { connectionFailures, plainConnection } from "./connection-props";
import { diffInputs, type DiffRules } from "./diff-inputs";
import { createOrAdopt } from "./existing-object";

/** State of a Cloudify tenant resource (inputs and outputs alike). */
interface TenantProps {
  readonly connection: CloudifyConnection;
  readonly name: string;
}

const RULES: DiffRules = { inputs: ["name"], replaceOn: ["name"], tenantScoped: false, deleteBeforeReplace: true };
const RESERVED = ["users", "user-groups"];

function props(inputs: TenantProps): TenantProps {
  return { connection: plainConnection(inputs.connection), name: inputs.name };
}

/** Dynamic provider of `pulumi-nodejs:dynamic/cloudify:Tenant`. An existing tenant of that name is adopted (tenants have nothing else to compare). */
export function createTenantProvider(tuning: Partial<ClientTuning> = {}): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: TenantProps, news: TenantProps) {
      const failures = [...connectionFailures(news.connection), ...resourceIdFailures(news.name, "name")];
      if (RESERVED.includes(news.name)) failures.push({ property: "name", reason: `${news.name} is reserved by the manager` });
      return { inputs: news, failures };
    },
    async diff(_id: string, olds: TenantProps, news: TenantProps) {
      return diffInputs(olds, news, RULES);
    },
    async create(inputs: TenantProps) {
      const client = new CloudifyClient(inputs.connection, tuning);
      await createOrAdopt(
        () => client.tenants.create(inputs.name),
        async () => {
          const existing = await client.tenants.get(inputs.name);
          if (!existing) throw new Error(`Cloudify tenant \`${inputs.name}\` was reported to exist but cannot be read`);
          return existing;
        },
      );
      return { id: inputs.name, outs: props(inputs) };
    },
    async read(id: string, state: TenantProps) {
      const client = new CloudifyClient(state.connection, tuning);
      return (await client.tenants.get(id)) ? { id, props: props(state) } : {};
    },
    async update(_id: string, _olds: TenantProps, news: TenantProps) {
      return { outs: props(news) };
    },
    async delete(id: string, state: TenantProps) {
      await new CloudifyClient(state.connection, tuning).tenants.delete(id);
    },
  };
}
