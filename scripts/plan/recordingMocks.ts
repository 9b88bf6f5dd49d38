import * as pulumi from "@pulumi/pulumi";
import { NODE_CERTIFICATE_TYPE } from "../../components/install/nodeCertificates";
import { TYPES } from "../../components/naming/resourceNames";

/** One resource as the engine would receive it. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string;
  readonly custom: boolean;
  /** URNs this resource waits for: explicit dependsOn plus every resource an input came from. */
  readonly dependsOn: string[];
  /** Inputs as sent, secrets still wrapped (see SECRET_SIG / maskSecrets). */
  readonly inputs: Record<string, unknown>;
  /** Resource options the engine would act on. */
  readonly options: RecordedOptions;
}

interface RecordedOptions {
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  /** Provider reference (`<urn>::<id>`), empty for the default provider. */
  readonly provider: string;
  readonly customTimeouts?: { readonly create: string; readonly update: string; readonly delete: string };
}

/** Pulumi's marker for a secret value on the wire. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export function isWireSecret(value: unknown): value is { value: unknown } {
  return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replaces every secret value with "[secret]" (for printing). */
export function maskSecrets(value: unknown): unknown {
  if (isWireSecret(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
  return value;
}

/** Unwraps secrets (for tests that need the plain values, e.g. to scan for leaks). */
export function revealSecrets(value: unknown): unknown {
  if (isWireSecret(value)) return revealSecrets(value.value);
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)]));
  return value;
}

export type OutputsFor = (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown>;
type CallResult = (token: string, inputs: Record<string, unknown>) => Record<string, unknown>;

let counter = 0;
/** Stand-in addresses come from the documentation ranges (RFC 5737), so nobody mistakes them for real ones. */
const nextAddress = (prefix: string) => `${prefix}.${(counter++ % 250) + 1}`;

/** Outputs the cloud would compute, for the resources whose outputs the program reads. */
export const cloudOutputs: OutputsFor = (type, name, inputs) => {
  switch (type) {
    case "openstack:networking/port:Port": {
      const fixed = (inputs.fixedIps as { ipAddress?: string }[] | undefined)?.[0]?.ipAddress;
      return { allFixedIps: [fixed ?? nextAddress("192.0.2")] };
    }
    case "openstack:networking/floatingIp:FloatingIp":
      return { address: nextAddress("198.51.100") };
    case "pulumi-nodejs:dynamic/cloudify:Deployment":
      return { createdAt: "[creation time]" };
    case "pulumi:pulumi:StackReference":
      // Offline there is no other stack to read: its outputs are empty.
      return { outputs: {}, secretOutputNames: [] };
    case TYPES.server:
      return { accessIpV4: "" };
    // Keys and certificates signed at deploy time: recognisable stand-ins, never real key material.
    case NODE_CERTIFICATE_TYPE:
      return { certPem: standInPem("CERTIFICATE", name), privateKeyPem: standInPem("RSA PRIVATE KEY", name) };
    case "kubernetes:core/v1:Service": {
      // The API server assigns the cluster IP (none for a headless Service) and the cloud a LoadBalancer's address.
      const spec = (inputs.spec ?? {}) as Record<string, unknown>;
      const clusterIP = spec.clusterIP === "None" ? "None" : nextAddress("192.0.2");
      const ingress = spec.type === "LoadBalancer" ? [{ ip: nextAddress("203.0.113") }] : [];
      return { spec: { ...spec, clusterIP }, status: { loadBalancer: { ingress } } };
    }
    default:
      return {};
  }
};

function standInPem(label: string, name: string): string {
  return `-----BEGIN ${label}-----\nstand-in for ${name}, generated at deploy time\n-----END ${label}-----\n`;
}

/** Answers of lookups (invokes): an id derived from the query, and a documentation-range CIDR for subnets. */
const lookupResults: CallResult = (token, inputs) => {
  const query = Object.values(inputs).filter((v) => typeof v === "string").join("-") || "lookup";
  const base = { id: `looked-up-${query}`, ...inputs };
  return token === "openstack:networking/getSubnet:getSubnet" ? { ...base, cidr: "192.0.2.0/24" } : base;
};

export interface MockRunOptions {
  readonly project: string;
  readonly stack: string;
  readonly config: Record<string, string>;
  readonly secretKeys?: string[];
  readonly preview?: boolean;
  readonly outputs?: OutputsFor;
  readonly calls?: CallResult;
}

/**
 * Installs Pulumi mocks that record every registration with its parent and dependencies (taken from the request the engine would
 * get), then runs `program`. Returns the recorded resources once every registration has finished, and the program's exports.
 */
export async function runUnderMocks<T>(options: MockRunOptions, program: () => Promise<T>): Promise<{ resources: RecordedResource[]; exports: T }> {
  const outputs = options.outputs ?? cloudOutputs;
  const calls = options.calls ?? lookupResults;
  await pulumi.runtime.setMocks({
    newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, ...outputs(args.type, args.name, args.inputs) } }),
    call: (args) => calls(args.token, args.inputs),
  }, options.project, options.stack, options.preview ?? true);
  pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
  // The engine's language host serializes each dynamic provider once (cacheDynamicProviders, on by default); setMocks resets
  // that option to off, which re-serializes the provider for every resource. Restore the engine's behaviour.
  const state: { getStore(): { settings: { options: { cacheDynamicProviders?: boolean } } } } = require("@pulumi/pulumi/runtime/state");
  state.getStore().settings.options.cacheDynamicProviders = true;

  const resources: RecordedResource[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: Callback): Promise<void> };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => register(req, (err, response) => {
    if (!err && response) resources.push(recordOf(req, response.getUrn()));
    callback(err, response);
  });

  const exports = await program();
  const settings: { waitForRPCs(): Promise<void> } = require("@pulumi/pulumi/runtime/settings");
  await settings.waitForRPCs();
  return { resources, exports };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(fn: (value: { getUrnsList(): string[] }) => void): void };
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getProvider(): string;
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}
type Callback = (err: unknown, response?: { getUrn(): string }) => void;

function recordOf(req: RegisterRequest, urn: string): RecordedResource {
  const rpc: { deserializeProperties(struct: unknown): Record<string, unknown> } = require("@pulumi/pulumi/runtime/rpc");
  const dependsOn = new Set(req.getDependenciesList());
  req.getPropertydependenciesMap().forEach((deps) => deps.getUrnsList().forEach((u) => dependsOn.add(u)));
  return {
    urn,
    type: req.getType(),
    name: req.getName(),
    parent: req.getParent(),
    custom: req.getCustom(),
    dependsOn: [...dependsOn].sort(),
    inputs: rpc.deserializeProperties(req.getObject()),
    options: optionsOf(req),
  };
}

function optionsOf(req: RegisterRequest): RecordedOptions {
  const timeouts = req.getCustomtimeouts();
  return {
    protect: req.getProtect(),
    retainOnDelete: req.getRetainondelete(),
    provider: req.getProvider(),
    ...(timeouts ? { customTimeouts: { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() } } : {}),
  };
}

/** Resolves a program's exported outputs to plain values: secrets read "[secret]", values unknown in a preview "[unknown]". */
export async function resolveExports(exports: Record<string, unknown>, waitMs = 2000): Promise<Record<string, unknown>> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exports)) {
    if (value === undefined) continue;
    const output = pulumi.output(value);
    const plain = await Promise.race([
      new Promise<unknown>((resolve) => output.apply((v) => { resolve(v); return v; })),
      new Promise<unknown>((resolve) => setTimeout(() => resolve("[unknown]"), waitMs).unref()),
    ]);
    resolved[key] = (await pulumi.isSecret(output)) ? "[secret]" : plain;
  }
  return resolved;
}
