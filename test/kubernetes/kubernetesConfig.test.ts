import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { DEFAULT_PLUGIN_RULES, persistedPathsOf } from "../../components/config/kubernetesSchema";
import { imageRowFor } from "../../components/kubernetes/imageTable";
import { parse, problems } from "../support/parseConfig";
import { exampleNamespaces, type Namespaces } from "../support/exampleStacks";

type Mutable = Record<string, any>;

/** The k8s example stack, changed by `edit`. */
function k8s(edit: (ns: Mutable) => void): Namespaces {
  const ns = structuredClone(exampleNamespaces("k8s")) as Mutable;
  edit(ns);
  return ns;
}

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

// Each rule: a change that breaks it, and the line expected among the problems (key path first).
const RULES: [string, (ns: Mutable) => void, string | RegExp][] = [
  ["kubernetes required on the kubernetes platform", (ns) => { delete ns.kubernetes; }, "cmom:kubernetes: required when cmom:platform is kubernetes"],
  ["kubernetes settings refused on openstack", (ns) => { ns.platform = "openstack"; }, "cmom:kubernetes: only used when cmom:platform is kubernetes"],
  ["cluster settings refused on kubernetes", (ns) => { ns.cluster = exampleNamespaces("pool").cluster; }, "cmom:cluster: only used when cmom:platform is openstack or hosts"],
  ["unknown nested key", (ns) => { ns.kubernetes.replica = 1; }, "cmom:kubernetes.replica: unknown key"],
  ["namespace required", (ns) => { delete ns.kubernetes.namespace; }, "cmom:kubernetes.namespace: required"],
  ["namespace is a DNS label", (ns) => { ns.kubernetes.namespace.name = "Cloudify_NS"; }, /^cmom:kubernetes\.namespace\.name: not a DNS label/],
  ["name is a DNS label", (ns) => { ns.kubernetes.name = "cfy.manager"; }, /^cmom:kubernetes\.name: not a DNS label/],
  ["name leaves room for the revision label", (ns) => { ns.kubernetes.name = "m".repeat(53); }, "cmom:kubernetes.name: at most 52 characters"],
  ["image required", (ns) => { delete ns.kubernetes.image; }, "cmom:kubernetes.image: required"],
  ["image carries a tag or digest", (ns) => { ns.kubernetes.image = "cloudifyplatform/community"; }, /^cmom:kubernetes\.image: not an image reference with a tag or digest/],
  ["image tag is not latest", (ns) => { ns.kubernetes.image = "cloudifyplatform/community:latest"; }, /^cmom:kubernetes\.image: `latest` floats/],
  ["digest is sha256 hex", (ns) => { ns.kubernetes.image = "repo/cfy@sha256:abc"; }, /^cmom:kubernetes\.image: not an image reference/],
  ["generation is systemd or modern", (ns) => { ns.kubernetes.imageGeneration = "sysv"; }, /^cmom:kubernetes\.imageGeneration: /],
  ["imageVersion is a version", (ns) => { ns.kubernetes.imageVersion = "five"; }, /^cmom:kubernetes\.imageVersion: not a version/],
  ["generation matches the version (systemd ≤ 5.1)", (ns) => { ns.kubernetes.imageVersion = "6.4.0"; }, /^cmom:kubernetes\.imageGeneration: systemd does not match imageVersion 6\.4\.0/],
  ["generation matches the version (modern ≥ 6)", (ns) => { ns.kubernetes.imageGeneration = "modern"; }, /^cmom:kubernetes\.imageGeneration: modern does not match imageVersion 5\.0\.5/],
  ["an unsupported version is refused, named", (ns) => { ns.kubernetes.imageVersion = "4.2"; }, "cmom:kubernetes.imageVersion: manager version 4.2 is not supported (supported: 4.3 … 7.1 (exclusive))"],
  ["a version past the table is refused", (ns) => { ns.kubernetes.imageVersion = "7.1.0"; ns.kubernetes.imageGeneration = "modern"; }, /^cmom:kubernetes\.imageVersion: manager version 7\.1\.0 is not supported/],
  ["5.1 is still systemd", (ns) => { ns.kubernetes.imageVersion = "5.1.4"; ns.kubernetes.imageGeneration = "modern"; }, /^cmom:kubernetes\.imageGeneration: modern does not match imageVersion 5\.1\.4 \(systemd: 5\.1 ≤ version < 5\.2\)/],
  ["5.2 is supervisord", (ns) => { ns.kubernetes.imageVersion = "5.2.7"; }, /^cmom:kubernetes\.imageGeneration: systemd does not match imageVersion 5\.2\.7/],
  ["a Pod Security level that refuses the image's pod", (ns) => { ns.kubernetes.namespace.podSecurity = "baseline"; }, "cmom:kubernetes.namespace.podSecurity: baseline refuses the pod of manager 5.0.5, which needs privileged"],
  ["the plugin never shares the manager's namespace", (ns) => { ns.kubernetes.pluginNamespace = { name: "cloudify" }; }, /^cmom:kubernetes\.pluginNamespace\.name: must differ from namespace\.name \(cloudify\)/],
  ["storage class required", (ns) => { delete ns.kubernetes.storage.className; }, "cmom:kubernetes.storage.className: required"],
  ["storage size is a quantity", (ns) => { ns.kubernetes.storage.size = "50 GB"; }, /^cmom:kubernetes\.storage\.size: not a Kubernetes quantity/],
  ["access mode is one of three", (ns) => { ns.kubernetes.storage.accessMode = "ReadOnlyMany"; }, /^cmom:kubernetes\.storage\.accessMode: /],
  ["binding mode is one of two", (ns) => { ns.kubernetes.storage.bindingMode = "Later"; }, /^cmom:kubernetes\.storage\.bindingMode: /],
  ["one replica on an RWO volume", (ns) => { ns.kubernetes.replicas = 2; }, /^cmom:kubernetes\.replicas: more than 1 replica needs storage\.accessMode ReadWriteMany and haCapable: true/],
  ["RWX alone does not allow more replicas", (ns) => { ns.kubernetes.replicas = 2; ns.kubernetes.storage.accessMode = "ReadWriteMany"; }, /^cmom:kubernetes\.replicas: more than 1 replica/],
  ["HA alone does not allow more replicas", (ns) => { ns.kubernetes.replicas = 2; ns.kubernetes.haCapable = true; }, /^cmom:kubernetes\.replicas: more than 1 replica/],
  ["at least one replica", (ns) => { ns.kubernetes.replicas = 0; }, /^cmom:kubernetes\.replicas: /],
  ["persisted paths are absolute", (ns) => { ns.kubernetes.persistedPaths = ["var/lib/pgsql"]; }, /^cmom:kubernetes\.persistedPaths\[0\]: not a normalised absolute path/],
  ["persisted paths are normalised", (ns) => { ns.kubernetes.persistedPaths = ["/var/lib/../pgsql"]; }, /^cmom:kubernetes\.persistedPaths\[0\]: not a path seed-and-link\.sh can persist/],
  ["persisted paths do not overlap", (ns) => { ns.kubernetes.persistedPaths = ["/var/lib/pgsql", "/var/lib/pgsql/9.5/data"]; }, "cmom:kubernetes.persistedPaths[1]: overlaps persistedPaths[0] (/var/lib/pgsql)"],
  ["persisted paths are not hidden by a mount", (ns) => { ns.kubernetes.persistedPaths = ["/opt/onap/state"]; }, "cmom:kubernetes.persistedPaths[0]: lies in /opt/onap, which is mounted over it"],
  ["our own mount directory is reserved", (ns) => { ns.kubernetes.kubeconfigPath = "/etc/cmom/kubeconfig"; }, "cmom:kubernetes.kubeconfigPath: /etc/cmom is reserved for the component's own mounts"],
  ["mounted files are inside a directory", (ns) => { ns.kubernetes.configTxtPath = "/config.txt"; }, "cmom:kubernetes.configTxtPath: must be inside a directory (the directory is mounted, not the file)"],
  ["kubeconfig and config.txt in separate directories", (ns) => { ns.kubernetes.configTxtPath = "/etc/cloudify/.kube/config.txt"; }, "cmom:kubernetes.configTxtPath: must be in another directory than kubeconfigPath (each directory is one mount)"],
  ["service type is one of three", (ns) => { ns.kubernetes.service.type = "ExternalName"; }, /^cmom:kubernetes\.service\.type: /],
  ["service ports are ports", (ns) => { ns.kubernetes.service.ports = { https: 70000 }; }, /^cmom:kubernetes\.service\.ports\.https: /],
  ["service ports are distinct", (ns) => { ns.kubernetes.service.ports = { https: 80 }; }, "cmom:kubernetes.service.ports.https: duplicate of service.ports.http"],
  ["source ranges are CIDRs", (ns) => { ns.kubernetes.service.loadBalancerSourceRanges = ["203.0.113.0"]; }, /^cmom:kubernetes\.service\.loadBalancerSourceRanges\[0\]: not an IPv4 CIDR/],
  ["source ranges only on a LoadBalancer", (ns) => { ns.kubernetes.service.type = "ClusterIP"; }, "cmom:kubernetes.service.loadBalancerSourceRanges: only allowed when service.type is LoadBalancer (type is ClusterIP)"],
  ["ingress host is a host name", (ns) => { ns.kubernetes.ingress.host = "cloudify example"; }, /^cmom:kubernetes\.ingress\.host: not a valid host name/],
  ["ingress class required", (ns) => { delete ns.kubernetes.ingress.className; }, "cmom:kubernetes.ingress.className: required"],
  ["resources are quantities", (ns) => { ns.kubernetes.resources.requests.memory = "8 gigs"; }, /^cmom:kubernetes\.resources\.requests\.memory: not a Kubernetes quantity/],
  ["admin password required (no default)", (ns) => { delete ns.kubernetes.adminPassword; }, "cmom:kubernetes.adminPassword: required"],
  ["admin user name is a Cloudify name", (ns) => { ns.kubernetes.adminUsername = "1admin"; }, /^cmom:kubernetes\.adminUsername: not a valid Cloudify id/],
  ["startup budget is at least a minute", (ns) => { ns.kubernetes.startupBudgetSeconds = 30; }, /^cmom:kubernetes\.startupBudgetSeconds: /],
  ["plugin rules name verbs", (ns) => { ns.kubernetes.pluginRules = [{ apiGroups: [""], resources: ["pods"], verbs: [] }]; }, /^cmom:kubernetes\.pluginRules\[0\]\.verbs: /],
  ["provider settings are known", (ns) => { ns.kubernetes.provider = { cluster: "x" }; }, "cmom:kubernetes.provider.cluster: unknown key"],
];

describe("cmom:kubernetes config rules", () => {
  it("accepts the k8s example stack", () => {
    expect(problems(exampleNamespaces("k8s"))).toEqual([]);
  });

  it.each(RULES)("%s", (_rule, edit, expected) => {
    const found = problems(k8s(edit));
    if (typeof expected === "string") expect(found).toContain(expected);
    else expect(found.some((p) => expected.test(p)), `${expected} in:\n${found.join("\n")}`).toBe(true);
  });

  it("allows more replicas only on ReadWriteMany with an HA-capable image", () => {
    expect(problems(k8s((ns) => {
      ns.kubernetes.replicas = 2;
      ns.kubernetes.storage.accessMode = "ReadWriteMany";
      ns.kubernetes.haCapable = true;
    }))).toEqual([]);
  });

  it("refuses placeholders in a real update and plain-text secrets", () => {
    const found = problems(exampleNamespaces("k8s"), { allowPlaceholders: false });
    for (const key of ["kubernetes.adminPassword", "kubernetes.kubeconfig"]) {
      expect(found.some((p) => p.startsWith(`cmom:${key}: still the example placeholder`)), key).toBe(true);
    }
    const plain = problems(k8s((ns) => { ns.kubernetes.adminPassword = "s3cret-Pa55"; }), { plainKeys: ["platform", "kubernetes"] });
    expect(plain).toEqual(["cmom:kubernetes.adminPassword: a secret in plain text; set it with `pulumi config set --secret --path 'kubernetes.adminPassword' < file`"]);
  });

  it("applies the documented defaults", () => {
    const k = parse<"kubernetes">(k8s((ns) => {
      ns.kubernetes = { namespace: { name: "cfy" }, image: "repo/cfy:7.0.0", imageGeneration: "modern", imageVersion: "7.0.0", storage: { className: "fast", size: "20Gi" }, adminPassword: "[placeholder]" };
    })).kubernetes!;
    expect(k).toMatchObject({
      name: "cloudify-manager",
      namespace: { create: false },
      replicas: 1,
      haCapable: false,
      startupBudgetSeconds: 1800,
      adminUsername: "admin",
      kubeconfigPath: "/etc/cloudify/.kube/config",
      configTxtPath: "/opt/onap/config.txt",
      storage: { accessMode: "ReadWriteOncePod", bindingMode: "WaitForFirstConsumer" },
      service: { type: "LoadBalancer", ports: { http: 80, https: 443, internalRest: 53333, amqp: 5671 }, annotations: {} },
      resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } },
      pluginRules: DEFAULT_PLUGIN_RULES,
    });
    expect(k.ingress).toBeUndefined();
    expect(persistedPathsOf(k)).toEqual(imageRowFor(k.imageVersion)!.persisted);
    expect(persistedPathsOf(parse<"kubernetes">(exampleNamespaces("k8s")).kubernetes)).toEqual(imageRowFor("5.0.5")!.persisted);
  });

  it("turns every secret field into a Pulumi secret", async () => {
    const k = parse<"kubernetes">(k8s((ns) => {
      ns.kubernetes.adminPassword = "adm1n-Pa55";
      ns.kubernetes.kubeconfig = "apiVersion: v1";
      ns.kubernetes.provider = { kubeconfig: "apiVersion: v1 # pulumi", context: "prod" };
    })).kubernetes!;
    for (const secret of [k.adminPassword, k.kubeconfig!, k.provider!.kubeconfig!]) expect(await pulumi.isSecret(secret)).toBe(true);
    expect(await valueOf(k.adminPassword)).toBe("adm1n-Pa55");
  });
});
