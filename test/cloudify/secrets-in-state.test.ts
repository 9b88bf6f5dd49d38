import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretProvider } from "../../components/cloudify/providers";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { EngineDriver, rebuild } from "./engine";
import { FAST_TUNING, Fixtures } from "./fixtures";
import { SPECS } from "./provider-specs";

/**
 * No secret in plain text in any Cloudify resource's state or outputs. The engine stores a dynamic resource's inputs
 * as registered (secret-wrapped values stay secret) and its outputs as the provider returns them, marking secret the
 * outputs listed in additionalSecretOutputs. So: registered inputs hold the password and the secret value only inside
 * secret wrappers, never in the serialized provider; and providers return them only under listed output names.
 */
const PASSWORD = "PASSWORD-SENTINEL-7f3a";
const VALUE = "SECRET-VALUE-SENTINEL-91c2";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

interface Registration {
  type: string;
  name: string;
  object: Record<string, unknown>;
  additionalSecretOutputs: string[];
}
const registrations: Registration[] = [];

/** Paths (a.b.c) where a sentinel appears outside a secret wrapper. */
function plainOccurrences(value: unknown, path = ""): string[] {
  if (typeof value === "string") return value.includes(PASSWORD) || value.includes(VALUE) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainOccurrences(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) {
    if (SECRET_SIG in value) return [];
    return Object.entries(value).flatMap(([k, v]) => plainOccurrences(v, path ? `${path}.${k}` : k));
  }
  return [];
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) },
    "cmom",
    "test",
    false,
  );
  // Record what the SDK sends to the engine, as the engine receives it.
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: never, cb: never) => void };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: never, cb: never) => {
    const request = req as {
      getType(): string;
      getName(): string;
      getObject(): { toJavaScript(): Record<string, unknown> };
      getAdditionalsecretoutputsList(): string[];
    };
    registrations.push({ type: request.getType(), name: request.getName(), object: request.getObject().toJavaScript(), additionalSecretOutputs: request.getAdditionalsecretoutputsList() });
    original(req, cb);
  };
});

/**
 * Registers one resource of every Cloudify type once, for every test that reads the registrations (in any order or alone),
 * and answers with their registrations (other tests register more resources).
 */
let registeredEveryType: Promise<Registration[]> | undefined;
function registerEveryType(): Promise<Registration[]> {
  registeredEveryType ??= (async () => {
    const { CloudifyBlueprint, CloudifyDeployment, CloudifyExecution, CloudifyPlugin, CloudifySecret, CloudifyTenant } = await import(
      "../../components/cloudify/providers"
    );
    // The password arrives as a plain string here: the classes must make it secret themselves.
    const connection = { endpoints: ["https://10.0.0.1"], username: "admin", password: PASSWORD, caCert: "-----BEGIN CERTIFICATE-----", tenant: "t" };
    const resources = [
      new CloudifyTenant("tenant", { connection, name: "t" }),
      new CloudifySecret("secret", { connection, key: "k", value: VALUE }),
      new CloudifyPlugin("plugin", { connection, wagonPath: "/p.wgn", yamlPath: "/p.yaml" }),
      new CloudifyBlueprint("blueprint", { connection, blueprintId: "b", folder: "/b" }),
      new CloudifyDeployment("deployment", { connection, deploymentId: "d", blueprintId: "b", inputs: { password: pulumi.secret(VALUE) } }),
      new CloudifyExecution("execution", { connection, deploymentId: "d", workflowId: "install" }),
    ];
    const urns = await Promise.all(resources.map((r) => new Promise<string>((resolve) => r.urn.apply(resolve))));
    const names = new Set(urns.map((urn) => urn.split("::").at(-1)));
    return registrations.filter((r) => names.has(r.name));
  })();
  return registeredEveryType;
}

describe("registered inputs", () => {
  it("every Cloudify resource registers its own type, secrets wrapped, credentials listed as secret outputs", async () => {
    const everyType = await registerEveryType();
    expect(everyType.map((r) => r.type).sort()).toEqual(
      ["Blueprint", "Deployment", "Execution", "Plugin", "Secret", "Tenant"].map((t) => `pulumi-nodejs:dynamic/cloudify:${t}`),
    );
    for (const registration of everyType) {
      expect({ type: registration.type, plain: plainOccurrences(registration.object) }).toEqual({ type: registration.type, plain: [] });
      expect(registration.additionalSecretOutputs).toContain("connection");
      expect(String(registration.object.__provider)).toMatch(/^exports\.handler = /);
    }
    expect(everyType.find((r) => r.type.endsWith(":Secret"))?.additionalSecretOutputs).toEqual(expect.arrayContaining(["connection", "value"]));
  });
});

describe("provider outputs", () => {
  const fixtures = new Fixtures();
  let d: CloudifyDouble;
  beforeAll(async () => {
    d = await startCloudifyDouble({ users: { admin: PASSWORD }, workflowDurationMs: 10 });
  });
  afterAll(async () => {
    await d.close();
    fixtures.cleanup();
  });

  it.each(SPECS.map((spec) => [spec.type, spec] as const))("%s returns the password only inside `connection`", async (_type, spec) => {
    const engine = new EngineDriver((await rebuild(spec.provider)).provider);
    await spec.prepare(d, fixtures, "outs");
    const state = await engine.create(spec.inputs(d, fixtures, "outs"));
    const read = await engine.read(state);
    for (const outs of [state.outs, read.props ?? {}]) {
      const exposed = Object.keys(outs).filter((key) => plainOccurrences(outs[key]).length > 0);
      expect(exposed).toEqual(["connection"]);
    }
    expect(state.id).not.toContain(PASSWORD);
  });

  it("Secret returns its value only under `value`, and an adoption conflict never prints values", async () => {
    const engine = new EngineDriver((await rebuild(createSecretProvider(FAST_TUNING))).provider);
    const state = await engine.create({ connection: d.connection(), key: "sentinel", value: VALUE });
    const updated = await engine.update(state, await engine.check({ connection: d.connection(), key: "sentinel", value: `${VALUE}-2` }));
    for (const outs of [state.outs, (await engine.read(state)).props ?? {}, updated.outs]) {
      expect(Object.keys(outs).filter((key) => plainOccurrences(outs[key]).length > 0).sort()).toEqual(["connection", "value"]);
    }
    const conflict = await engine.create({ connection: d.connection(), key: "sentinel", value: `${VALUE}-other` }).catch((e: Error) => e);
    expect(conflict).toBeInstanceOf(Error);
    expect((conflict as Error).message).toMatch(/value differs/);
    expect(plainOccurrences((conflict as Error).message)).toEqual([]);
  });

  it.each(SPECS.map((spec) => [spec.type, spec] as const))("%s: the planted password and values are in it only as secrets", async (_type, spec) => {
    await registerEveryType();
    const registration = spec.type === "Deployment" ? await inlineInputsRegistration() : registrations.filter((r) => r.type === `pulumi-nodejs:dynamic/cloudify:${spec.type}`).at(-1)!;
    const engine = new EngineDriver((await rebuild(spec.provider)).provider);
    await spec.prepare(d, fixtures, "state");
    const planted = PLANTED[spec.type];
    const created = await engine.create({ ...spec.inputs(d, fixtures, "state"), ...planted });
    const read = await engine.read(created);
    for (const outs of [created.outs, read.props ?? {}]) {
      expect(plainOccurrences(recordedOutputs(registration.object, registration.additionalSecretOutputs, outs))).toEqual([]);
    }
    // Without the engine's marking the values would be there in plain text: the check sees them.
    if (planted) expect(plainOccurrences(recordedOutputs({}, [], created.outs)).length).toBeGreaterThan(0);
  });
});

/** Secret values planted into a resource's inputs, per resource type that takes any. */
const PLANTED: Partial<Record<string, Record<string, unknown>>> = { Secret: { value: VALUE }, Deployment: { inputs: { name: VALUE } } };

/** Inline deployment inputs holding a value set with --secret are registered as one secret (components/cloudify/cloudifyResources.ts). */
async function inlineInputsRegistration(): Promise<Registration> {
  const { CloudifyDeployment } = await import("../../components/cloudify/providers");
  const connection = { endpoints: ["https://10.0.0.1"], username: "admin", password: PASSWORD, caCert: "-----BEGIN CERTIFICATE-----", tenant: "t" };
  const inline = new CloudifyDeployment("planted-inline-inputs", { connection, deploymentId: "d", blueprintId: "b", inputs: pulumi.secret({ name: VALUE }) });
  await new Promise((resolve) => inline.urn.apply(resolve));
  return registrations.filter((r) => r.type === "pulumi-nodejs:dynamic/cloudify:Deployment").at(-1)!;
}

/**
 * What the engine keeps of a dynamic resource: the outputs its provider returned, each made secret when it is listed in the
 * resource's additionalSecretOutputs or when the input of the same name held a secret (into mappings, key by key) — the way
 * Pulumi gives providers that take no secrets, as ours, their secrecy back (its step executor and provider plugin, 3.x).
 */
function recordedOutputs(registered: Record<string, unknown>, additionalSecretOutputs: readonly string[], outs: Record<string, unknown>): Record<string, unknown> {
  const secret = (value: unknown) => ({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value });
  const holdsSecret = (value: unknown): boolean =>
    typeof value === "object" && value !== null && (SECRET_SIG in value || Object.values(value).some(holdsSecret));
  const annotate = (out: Record<string, unknown>, ins: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(out).map(([key, value]) => {
    const input = ins[key];
    const mapping = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(SECRET_SIG in v);
    if (mapping(value) && mapping(input)) return [key, annotate(value, input)];
    return [key, additionalSecretOutputs.includes(key) || holdsSecret(input) ? secret(value) : value];
  }));
  return annotate(outs, registered);
}
