/**
 * Validates rendered Kubernetes objects offline, as an API server with Pod Security admission would:
 *  - against the OpenAPI schema of kubernetes-models 4.4.2, Kubernetes 1.27.1 (types, enums, required fields, formats:
 *    its ajv validators): the newest schema not newer than the minimum Kubernetes the README states, so a field that
 *    version lacks cannot pass (no release of the models carries 1.28 – 1.32; 4.5 jumps to 1.33),
 *  - strictly: a field the schema does not know is a problem (the validators let those through; the API server's
 *    strict field validation does not), found by walking each object along the models' type declarations,
 *  - against the Pod Security Standards (baseline and restricted checks of pod-security-admission) at the level the
 *    object's namespace is labelled with, or the level given.
 * Returns every problem as `<kind>/<name>: <what>`; an empty list means the objects would be admitted.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import * as ts from "typescript";

type PodSecurityLevel = "privileged" | "baseline" | "restricted";
export interface ValidateOptions {
  /** The level every namespace enforces; default: each Namespace object's `pod-security.kubernetes.io/enforce` label. */
  readonly podSecurityLevel?: PodSecurityLevel;
}
type Manifest = Record<string, any>;

const load = createRequire(__filename);
const MODELS_DIR = path.dirname(load.resolve("kubernetes-models/package.json"));
/** `apps/v1` + `StatefulSet` → kubernetes-models/apps/v1/StatefulSet (the core group is plain `v1`). */
const modelPath = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

/** Object kinds cmom patches rather than creates: validated as the object they patch. */
const PATCH_KINDS: Record<string, string> = { NamespacePatch: "Namespace" };

export function validateManifests(objects: readonly Manifest[], options: ValidateOptions = {}): string[] {
  const problems: string[] = [];
  const levels = namespaceLevels(objects);
  for (const raw of objects) {
    const object: Manifest = { ...raw, kind: PATCH_KINDS[raw.kind] ?? raw.kind };
    const id = `${object.kind}/${object.metadata?.name ?? "?"}`;
    const report = (what: string) => problems.push(`${id}: ${what}`);
    const model = `kubernetes-models/${modelPath(object.apiVersion, object.kind)}`;
    let Model: new (data: Manifest) => { validate(): void };
    try {
      Model = (load(model) as Record<string, typeof Model>)[object.kind]!;
    } catch {
      report(`unknown apiVersion/kind ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (err) {
      report((err as Error).message);
    }
    for (const field of unknownFields(object)) report(`unknown field ${field}`);
    const level = options.podSecurityLevel ?? levels.get(object.metadata?.namespace);
    const pod = podSpecOf(object);
    if (pod && level) for (const violation of podSecurityViolations(pod, level)) report(`violates Pod Security "${level}": ${violation}`);
    if (pod && !level) report(`namespace ${object.metadata?.namespace} has no Pod Security label among the objects and no level was given`);
  }
  return problems;
}

function namespaceLevels(objects: readonly Manifest[]): Map<string | undefined, PodSecurityLevel> {
  const levels = new Map<string | undefined, PodSecurityLevel>();
  for (const o of objects) {
    const level = o.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
    if ((o.kind === "Namespace" || o.kind === "NamespacePatch") && level) levels.set(o.metadata.name, level);
  }
  return levels;
}

// ---- strict fields: walk the object along the models' TypeScript declarations ---------------------------------------

/**
 * Each kind's declared type, with the checker of the program that read it: a type is only meaningful to its own checker
 * (asked of another program's checker, every property reads as unknown and nothing is found), so the two stay together.
 */
interface DeclaredType {
  readonly checker: ts.TypeChecker;
  readonly type: ts.Type;
}
const rootTypes = new Map<string, DeclaredType | undefined>();

function declaredType(object: Manifest): DeclaredType | undefined {
  const key = modelPath(object.apiVersion, object.kind);
  if (!rootTypes.has(key)) {
    const file = path.join(MODELS_DIR, `${key}.d.ts`);
    const program = ts.createProgram([file], { noEmit: true, strict: true, skipLibCheck: true });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(file);
    const iface = source?.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `I${object.kind}`);
    rootTypes.set(key, iface && { checker, type: checker.getTypeAtLocation(iface) });
  }
  return rootTypes.get(key);
}

function unknownFields(object: Manifest): string[] {
  const declared = declaredType(object);
  if (!declared) return [];
  const found: string[] = [];
  walk(declared.checker, object, declared.type, "", found);
  return found;
}

function walk(c: ts.TypeChecker, value: unknown, type: ts.Type, at: string, found: string[]): void {
  const t = c.getNonNullableType(type);
  if (Array.isArray(value)) {
    const element = c.isArrayType(t) ? c.getTypeArguments(t as ts.TypeReference)[0] : undefined;
    if (element) value.forEach((v, i) => walk(c, v, element, `${at}[${i}]`, found));
    return;
  }
  if (value === null || typeof value !== "object") return;
  // A map (labels, annotations, data) takes any key.
  if (t.getStringIndexType()) return;
  if (t.isUnion()) {
    const objectPart = t.types.find((u) => u.getProperties().length > 0);
    if (objectPart) walk(c, value, objectPart, at, found);
    return;
  }
  if (t.getProperties().length === 0) return;
  for (const [key, child] of Object.entries(value)) {
    const property = t.getProperty(key);
    if (!property) {
      found.push(`${at}.${key}`.replace(/^\./, ""));
      continue;
    }
    walk(c, child, c.getTypeOfSymbol(property), `${at}.${key}`, found);
  }
}

// ---- Pod Security Standards -------------------------------------------------------------------------------------------

function podSpecOf(object: Manifest): Manifest | undefined {
  if (object.kind === "Pod") return object.spec;
  if (object.kind === "CronJob") return object.spec?.jobTemplate?.spec?.template?.spec;
  return object.spec?.template?.spec;
}

/** Capabilities baseline lets a container add (pod-security-admission's capabilities_baseline check). */
const BASELINE_CAPABILITIES = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);
/** Volume types restricted allows (restrictedVolumes check). */
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const SAFE_SYSCTLS = new Set(["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]);

function podSecurityViolations(pod: Manifest, level: PodSecurityLevel): string[] {
  if (level === "privileged") return [];
  const out: string[] = [];
  const containers: Manifest[] = [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])];
  const podContext = pod.securityContext ?? {};
  // baseline
  for (const host of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[host]) out.push(`${host}: true`);
  for (const v of pod.volumes ?? []) if (v.hostPath) out.push(`hostPath volume ${v.name}`);
  for (const s of podContext.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) out.push(`sysctl ${s.name}`);
  const seccompOf = (c?: Manifest) => c?.seccompProfile?.type;
  if (seccompOf(podContext) === "Unconfined") out.push("pod seccompProfile Unconfined");
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) out.push(`container ${c.name} privileged`);
    for (const cap of sc.capabilities?.add ?? []) if (!BASELINE_CAPABILITIES.has(cap)) out.push(`container ${c.name} adds capability ${cap}`);
    if (seccompOf(sc) === "Unconfined") out.push(`container ${c.name} seccompProfile Unconfined`);
    if (sc.procMount && sc.procMount !== "Default") out.push(`container ${c.name} procMount ${sc.procMount}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`container ${c.name} hostPort ${p.hostPort}`);
  }
  if (level === "baseline") return out;
  // restricted
  for (const v of pod.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== "name");
    if (type && !RESTRICTED_VOLUMES.has(type)) out.push(`volume ${v.name} of type ${type}`);
  }
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) out.push(`container ${c.name} allowPrivilegeEscalation not false`);
    if (sc.runAsNonRoot !== true && podContext.runAsNonRoot !== true) out.push(`container ${c.name} runAsNonRoot not true`);
    if ((sc.runAsUser ?? podContext.runAsUser) === 0) out.push(`container ${c.name} runAsUser 0`);
    const seccomp = seccompOf(sc) ?? seccompOf(podContext);
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") out.push(`container ${c.name} seccompProfile not RuntimeDefault or Localhost`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) out.push(`container ${c.name} does not drop ALL capabilities`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") out.push(`container ${c.name} adds capability ${cap} (restricted allows NET_BIND_SERVICE only)`);
  }
  return out;
}
