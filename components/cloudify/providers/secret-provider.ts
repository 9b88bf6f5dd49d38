import type * as pulumi from "@pulumi/pulumi";
import { CloudifyClient } from "../client";
import type { ClientTuning, CloudifyConnection } from "../client/connection";
import type { Secret, Visibility } from "../client/types";
import { booleanFailures, narrowsVisibility, oneOfFailures, resourceIdFailures, VISIBILITIES } from "./check-rules";
import { connectionFailures, plainConnection } from "./connection-props";
import { diffInputs, type DiffRules } from "./diff-inputs";
import { createOrAdopt, ExistsDifferentError } from "./existing-object";
import { containsUnknown } from "./unknown";

interface SecretInputs {
  readonly connection: CloudifyConnection;
  readonly key: string;
  /** Secret: kept secret in state and outputs by the resource class (additionalSecretOutputs). */
  readonly value: string;
  readonly visibility: Visibility;
  readonly isHiddenValue: boolean;
}

interface SecretOuts extends SecretInputs {
  readonly tenantName: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const RULES: DiffRules = {
  inputs: ["key", "value", "visibility", "isHiddenValue"],
  replaceOn: ["key"],
  tenantScoped: true,
  deleteBeforeReplace: true,
};

function outs(inputs: SecretInputs, secret: Secret): SecretOuts {
  return {
    connection: plainConnection(inputs.connection),
    key: inputs.key,
    value: inputs.value,
    visibility: inputs.visibility,
    isHiddenValue: inputs.isHiddenValue,
    tenantName: secret.tenant_name,
    createdAt: secret.created_at,
    updatedAt: secret.updated_at,
  };
}

/** Differences between a declared and an existing secret, never showing the values. */
function differences(inputs: SecretInputs, existing: Secret): string[] {
  const found: string[] = [];
  if (existing.value !== inputs.value) found.push("value differs");
  if (existing.visibility !== inputs.visibility) found.push(`visibility ${existing.visibility} instead of ${inputs.visibility}`);
  if ((existing.is_hidden_value ?? false) !== inputs.isHiddenValue) found.push(`is_hidden_value ${existing.is_hidden_value} instead of ${inputs.isHiddenValue}`);
  return found;
}

/** Dynamic provider of `pulumi-nodejs:dynamic/cloudify:Secret`: value and visibility changes update in place. */
export function createSecretProvider(tuning: Partial<ClientTuning> = {}): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: SecretInputs, news: SecretInputs) {
      const inputs = { ...news, visibility: news.visibility ?? "tenant", isHiddenValue: news.isHiddenValue ?? false };
      const failures = [
        ...connectionFailures(inputs.connection),
        ...resourceIdFailures(inputs.key, "key"),
        ...oneOfFailures(inputs.visibility, VISIBILITIES, "visibility"),
        ...booleanFailures(inputs.isHiddenValue, "isHiddenValue"),
      ];
      if (!containsUnknown(inputs.value) && typeof inputs.value !== "string") failures.push({ property: "value", reason: "must be a string" });
      return { inputs, failures };
    },
    async diff(_id: string, olds: SecretOuts, news: SecretInputs) {
      const diff = diffInputs(olds, news, RULES);
      // A wider visibility is set in place; a narrower one only a new secret can have (the plan shows a replace).
      if (!narrowsVisibility(olds.visibility, news.visibility)) return diff;
      return { ...diff, replaces: [...diff.replaces, "visibility"], deleteBeforeReplace: true };
    },
    async create(inputs: SecretInputs) {
      const client = new CloudifyClient(inputs.connection, tuning);
      const secret = await createOrAdopt(
        () => client.secrets.create(inputs.key, inputs),
        async () => {
          const existing = await client.secrets.get(inputs.key);
          if (!existing) throw new Error(`Cloudify secret \`${inputs.key}\` was reported to exist but cannot be read`);
          const found = differences(inputs, existing);
          if (found.length > 0) throw new ExistsDifferentError("secret", inputs.key, inputs.connection.tenant, found);
          return existing;
        },
      );
      return { id: inputs.key, outs: outs(inputs, secret) };
    },
    async read(id: string, state: SecretOuts) {
      const secret = await new CloudifyClient(state.connection, tuning).secrets.get(id);
      if (!secret) return {};
      return {
        id,
        props: outs({ ...state, value: secret.value, visibility: secret.visibility, isHiddenValue: secret.is_hidden_value ?? false }, secret),
      };
    },
    async update(id: string, olds: SecretOuts, news: SecretInputs) {
      const client = new CloudifyClient(news.connection, tuning);
      const change = {
        value: olds.value !== news.value ? news.value : undefined,
        visibility: olds.visibility !== news.visibility ? news.visibility : undefined,
        isHiddenValue: olds.isHiddenValue !== news.isHiddenValue ? news.isHiddenValue : undefined,
      };
      const changed = Object.values(change).some((v) => v !== undefined);
      const secret = changed ? await client.secrets.update(id, change) : await client.secrets.get(id);
      if (!secret) throw new Error(`Cloudify secret \`${id}\` no longer exists in tenant \`${news.connection.tenant}\`; refresh to recreate it`);
      return { outs: outs(news, secret) };
    },
    async delete(id: string, state: SecretOuts) {
      await new CloudifyClient(state.connection, tuning).secrets.delete(id);
    },
  };
}
