import * as pulumi from "@pulumi/pulumi";
import { expect } from "vitest";

type Provider = pulumi.dynamic.ResourceProvider;
type Props = Record<string, unknown>;

/** Values as the engine passes them: through a protobuf Struct, so JSON (undefined dropped). */
const overTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? {})) as T;

/** Serialized providers: serializing is the slow part, and the same provider object always serializes to the same code. */
const serializedProviders = new WeakMap<Provider, Promise<string>>();

/**
 * A provider serialized and rebuilt the way the engine does it (serialized with what it captures, then loaded as new code,
 * a fresh copy at every call). Serializing without allowSecrets also proves no secret is captured in the provider's closure.
 */
export async function rebuild(provider: Provider): Promise<{ provider: Required<Provider>; text: string }> {
  if (!serializedProviders.has(provider)) serializedProviders.set(provider, pulumi.runtime.serializeFunction(() => provider).then((s) => s.text));
  const text = await serializedProviders.get(provider)!;
  const requireFromString = require("require-from-string") as (code: string) => { handler: () => Required<Provider> };
  return { provider: requireFromString(text).handler(), text };
}

/** The state one resource has in the engine: id, inputs (after check) and outputs. */
export interface ResourceState {
  id: string;
  inputs: Props;
  outs: Props;
}

/** Drives a rebuilt provider through the engine's steps: check, then create / diff / update / read / delete. */
export class EngineDriver {
  constructor(readonly provider: Required<Provider>) {}

  async check(news: Props, olds: Props = {}): Promise<Props> {
    const result = await this.provider.check(overTheWire(olds), overTheWire(news));
    expect(result.failures ?? []).toEqual([]);
    return overTheWire(result.inputs as Props);
  }

  async checkFailures(news: Props): Promise<{ property: string; reason: string }[]> {
    const result = await this.provider.check({}, overTheWire(news));
    return [...(result.failures ?? [])];
  }

  async create(news: Props): Promise<ResourceState> {
    const inputs = await this.check(news);
    const result = await this.provider.create(inputs);
    return { id: result.id, inputs, outs: overTheWire(result.outs as Props) };
  }

  /** Plans new inputs against a state: check, then diff. */
  async plan(state: ResourceState, news: Props): Promise<{ inputs: Props; diff: pulumi.dynamic.DiffResult }> {
    const inputs = await this.check(news, state.inputs);
    return { inputs, diff: await this.provider.diff(state.id, state.outs, inputs) };
  }

  async update(state: ResourceState, inputs: Props): Promise<ResourceState> {
    const result = await this.provider.update(state.id, state.outs, inputs);
    return { id: state.id, inputs, outs: overTheWire(result.outs as Props) };
  }

  async read(state: ResourceState): Promise<pulumi.dynamic.ReadResult> {
    return overTheWire(await this.provider.read(state.id, state.outs));
  }

  async delete(state: ResourceState): Promise<void> {
    await this.provider.delete(state.id, state.outs);
  }
}
