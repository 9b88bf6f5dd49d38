// What each supported image needs, checked against the table (imageTable.ts) and the pod and scripts built from it.
// Each block is one finding read in the official sources (see the row comments in imageTable.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { IMAGE_TABLE, imageRowFor } from "../../components/kubernetes/imageTable";
import type { RecordedResource } from "../../scripts/plan/recordingMocks";
import { eventually, HookSandbox } from "./fixtures/hookSandbox";
import { k8sStack, manifestOf, runK8s } from "./fixtures/k8sStack";
import { buildImage, makeSandbox, run, type Sandbox, snapshot } from "./fixtures/seedAndLinkHarness";

type Mutable = Record<string, any>;
const withVersion = (version: string, generation: "systemd" | "modern") => (ns: Mutable) => {
  ns.kubernetes.image = `cloudifyplatform/premium-cloudify-manager-aio:${version}`;
  ns.kubernetes.imageVersion = version;
  ns.kubernetes.imageGeneration = generation;
};
const named = (resources: RecordedResource[], name: string) => resources.find((r) => r.name === name);
const managerOf = (resources: RecordedResource[]) => manifestOf(named(resources, "test-statefulset")!).spec.template.spec;
const envOf = (container: Mutable) => Object.fromEntries(container.env.map((e: Mutable) => [e.name, e.value]));

let boxes: { remove(): void }[] = [];
afterEach(() => {
  boxes.forEach((b) => b.remove());
  boxes = [];
});
function seedBox(paths: readonly string[]): Sandbox {
  const box = makeSandbox();
  boxes.push(box);
  buildImage(box, paths, { dirs: 1, filesPerDir: 2, bigFileBytes: 1024 });
  return box;
}

describe("health request per version (no /api/v3.1/ok before 6.0.0)", () => {
  it.each(IMAGE_TABLE.map((row) => [row.from, row] as const))("row %s", (_from, row) => {
    const before6 = Number(row.from.split(".")[0]) < 6;
    expect(row.health).toEqual(before6 ? { path: "/api/v3.1/status", status: 401 } : { path: "/api/v3.1/ok", status: 200 });
  });

  it("health-check.sh passes on the expected status only", () => {
    const box = new HookSandbox();
    boxes.push(box);
    const check = (extra: Record<string, string>) => box.run("health-check.sh", [], extra);
    expect(check({ CMOM_HEALTH_PATH: "/api/v3.1/status", CMOM_HEALTH_STATUS: "401" }).status).toBe(0);
    const wrong = check({ CMOM_HEALTH_PATH: "/api/v3.1/status", CMOM_HEALTH_STATUS: "200" });
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain("/api/v3.1/status answered 401, expected 200");
  });
});

describe("the REST security keys survive every new pod and image", () => {
  it("are made once per volume before the first start, and never again", async () => {
    const paths = imageRowFor("7.0.0")!.persisted;
    const box = seedBox(paths);
    expect((await run(["seed"], { ...box.env(paths, "7.0.0"), CMOM_PERSIST_CREATE_MISSING: "1" })).code).toBe(0);
    const keysFile = path.join(box.volume, "cmom", "SECURITY");
    const keys = parseYaml(fs.readFileSync(keysFile, "utf8")).flask_security;
    expect(Object.keys(keys).sort()).toEqual(["encoding_alphabet", "encryption_key", "hash_salt", "secret_key"]);
    expect(Buffer.from(keys.hash_salt, "base64")).toHaveLength(32);
    expect(Buffer.from(keys.encryption_key, "base64url")).toHaveLength(64);
    expect(fs.statSync(keysFile).mode & 0o777).toBe(0o600);
    expect((await run(["seed"], { ...box.env(paths, "7.0.0"), CMOM_PERSIST_CREATE_MISSING: "1" })).code).toBe(0);
    expect(parseYaml(fs.readFileSync(keysFile, "utf8")).flask_security).toEqual(keys);
  });

  it("reach config.yaml's flask_security on every start, with addresses from stable names", async () => {
    const { resources } = await runK8s(k8sStack(withVersion("7.0.0", "modern")));
    const config = parseYaml(manifestOf(named(resources, "test-manager-config")!).data["config.yaml"]);
    expect(config.manager).toEqual({
      private_ip: "cloudify-manager-0.cloudify-manager-headless.cloudify.svc.cluster.local",
      public_ip: "cloudify.example.com",
      hostname: "cloudify-manager-0",
    });
    expect(config.services_to_install).toContain("database_service");
    expect(JSON.stringify(config)).not.toContain("admin_password");

    const box = new HookSandbox();
    boxes.push(box);
    const template = path.join(box.root, "config.yaml");
    fs.writeFileSync(template, manifestOf(named(resources, "test-manager-config")!).data["config.yaml"]);
    const target = path.join(box.root, "image/etc/cloudify/config.yaml");
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, "manager: {private_ip: 10.1.2.3}\n"); // what a previous pod was configured with
    const started = box.startManager({ CMOM_MANAGER_CONFIG: template, CMOM_MANAGER_CONFIG_TARGET: target });
    expect(started.status, started.stderr).toBe(0);
    const rendered = parseYaml(fs.readFileSync(target, "utf8"));
    expect(rendered.manager.private_ip).toBe("cloudify-manager-0.cloudify-manager-headless.cloudify.svc.cluster.local");
    expect(rendered.flask_security).toEqual(parseYaml(fs.readFileSync(path.join(box.root, "volume/cmom/SECURITY"), "utf8")).flask_security);
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
  });

  it("come with the persisted rest-security.conf for images configured at build", () => {
    for (const version of ["4.3", "5.0.5"]) expect(imageRowFor(version)!.persisted).toContain("/opt/manager/rest-security.conf");
  });

  it("are the only REST service file kept: authorization.conf and cloudify-rest.conf come from the image", () => {
    for (const row of IMAGE_TABLE) {
      const restFiles = row.persisted.filter((p) => p.startsWith("/opt/manager/") && !p.startsWith("/opt/manager/resources/"));
      expect(restFiles, row.from).toEqual(row.firstBoot === "preconfigured" ? ["/opt/manager/rest-security.conf"] : []);
    }
  });
});

describe("persisted paths: user data only, per version", () => {
  it.each(IMAGE_TABLE.map((row) => [row.from, row] as const))("row %s keeps the resources' user data, never the image's files", (_from, row) => {
    expect(row.persisted).not.toContain("/opt/manager/resources");
    for (const dir of ["blueprints", "uploaded-blueprints", "deployments", "snapshots", "plugins"]) expect(row.persisted).toContain(`/opt/manager/resources/${dir}`);
  });

  it("5.0.x keeps the installed plugins and RabbitMQ's data too (the official persistent-storage script keeps plugins)", async () => {
    const row = imageRowFor("5.0.5")!;
    expect(row.persisted).toEqual(expect.arrayContaining(["/opt/mgmtworker/env/plugins", "/var/lib/rabbitmq"]));
    const box = seedBox(row.persisted);
    const result = await run(["seed"], box.env(row.persisted, "5.0.5"));
    expect(result.stderr).toBe("");
    expect(snapshot(box.onVolume("/opt/mgmtworker/env/plugins"))).toEqual(snapshot(box.inImage("/opt/mgmtworker/env/plugins")));
  });
});

describe("seeding trusts only complete, recorded copies", () => {
  it("re-seeds a path whose directory exists on the volume unrecorded (made by mkdir -p, not by a finished copy)", async () => {
    const paths = ["/var/lib/pgsql/9.5/data", "/var/lib/rabbitmq"];
    const box = seedBox(paths);
    fs.mkdirSync(box.onVolume("/var/lib/rabbitmq"), { recursive: true });
    const result = await run(["seed"], box.env(paths, "5.0.5"));
    expect(result.code).toBe(0);
    expect(snapshot(box.onVolume("/var/lib/rabbitmq"))).toEqual(snapshot(box.inImage("/var/lib/rabbitmq")));
  });

  it("refuses a list that overlaps a seeded path, naming both", async () => {
    const box = seedBox(["/var/lib/pgsql/9.5/data"]);
    expect((await run(["seed"], box.env(["/var/lib/pgsql/9.5/data"], "5.0.5"))).code).toBe(0);
    const widened = await run(["seed"], box.env(["/var/lib/pgsql"], "5.0.5"));
    expect(widened.code).toBe(1);
    expect(widened.stderr).toContain("/var/lib/pgsql overlaps /var/lib/pgsql/9.5/data, which is seeded on this volume");
  });

  it("starts a first configure over from the image when the start never answered (crash during configure)", async () => {
    const paths = ["/var/lib/pgsql/9.5/data"];
    const box = seedBox(paths);
    const env = box.env(paths, "5.1.4");
    expect((await run(["link"], env)).code).toBe(0);
    const partial = path.join(box.onVolume(paths[0]!), "half-initialised");
    fs.writeFileSync(partial, "configure was killed here");
    fs.rmSync(box.inImage(paths[0]!)); // a new container: the image's own directory again
    fs.renameSync(`${box.inImage(paths[0]!)}.cmom-image`, box.inImage(paths[0]!));
    const again = await run(["link"], env);
    expect(again.stdout).toContain("the first start (version 5.1.4) never answered: starting over from the image");
    expect(fs.existsSync(partial)).toBe(false);
  });
});

describe("first boot, signals, grace, security and namespaces per version", () => {
  let by: Record<string, RecordedResource[]>;
  beforeAll(async () => {
    by = {};
    for (const [version, generation] of [["5.0.5", "systemd"], ["5.1.4", "systemd"], ["5.2.7", "modern"], ["6.4.2", "modern"]] as const) {
      by[version] = (await runK8s(k8sStack(withVersion(version, generation)))).resources;
    }
  });

  it("5.1 runs systemd as PID 1 yet configures on first boot: its config is rendered, 5.0.5's is not", () => {
    expect(imageRowFor("5.1.4")).toMatchObject({ generation: "systemd", firstBoot: "configure-on-start" });
    expect(named(by["5.1.4"]!, "test-manager-config")).toBeDefined();
    expect(envOf(managerOf(by["5.1.4"]!).containers[0]).CMOM_MANAGER_CONFIG).toBe("/etc/cmom/manager-config/config.yaml");
    expect(named(by["5.0.5"]!, "test-manager-config")).toBeUndefined();
    expect(envOf(managerOf(by["5.0.5"]!).containers[0]).CMOM_MANAGER_CONFIG).toBeUndefined();
  });

  it("systemd images halt with SIGRTMIN+3 and get 300 s; supervisord images stop on SIGTERM within 180 s", () => {
    for (const version of ["5.0.5", "5.1.4"]) {
      const spec = managerOf(by[version]!);
      expect(spec.terminationGracePeriodSeconds).toBe(300);
      expect(spec.containers[0].lifecycle.preStop.exec.command.join(" ")).toContain("SIGRTMIN+3");
    }
    for (const version of ["5.2.7", "6.4.2"]) {
      const spec = managerOf(by[version]!);
      expect(spec.terminationGracePeriodSeconds).toBe(180);
      expect(spec.containers[0].lifecycle).toBeUndefined();
    }
  });

  it("labels the manager's namespace for what the image's pod needs", () => {
    expect(manifestOf(named(by["5.1.4"]!, "test-namespace")!).metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    expect(manifestOf(named(by["5.2.7"]!, "test-namespace")!).metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("baseline");
  });

  it("grants the plugin nothing in the manager's namespace", () => {
    for (const resources of Object.values(by)) {
      const rbac = resources.filter((r) => r.type.startsWith("kubernetes:rbac.authorization.k8s.io/"));
      expect(rbac.length).toBeGreaterThan(0);
      for (const r of rbac) expect(manifestOf(r).metadata.namespace).toBe("cloudify-workloads");
    }
  });
});

describe("the admin-password keeper", () => {
  it("never gives up: a failure at start is logged with its reason and retried until it succeeds", async () => {
    const box = new HookSandbox();
    boxes.push(box);
    fs.rmSync(box.passwordFile, { force: true }); // the Secret is not mounted yet
    const keeper = box.start("apply-admin-password.sh", { CMOM_ADMIN_PASSWORD_POLL: "1" });
    try {
      expect(await eventually(() => keeper.output().includes("trying again in"), 20_000), keeper.output()).toBe(true);
      expect(keeper.output()).toContain(`cannot read ${box.passwordFile} (is the Secret mounted?)`);
      box.setPassword("l8ter-Pa55-41c2");
      expect(await eventually(() => box.get("stored-password") === "l8ter-Pa55-41c2", 20_000), keeper.output()).toBe(true);
      expect(keeper.child.exitCode).toBeNull();
    } finally {
      keeper.stop();
    }
  });
});
