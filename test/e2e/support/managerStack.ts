import { join } from "node:path";
import { startCloudifyDouble, type CloudifyDouble } from "../../doubles/cloudify";
import type { RecordedRequest } from "../../doubles/cloudify/pipeline";
import { Fixtures } from "../../cloudify/fixtures";
import { EngineProject } from "./engineProject";

/** Unique values planted in every secret config key: none may ever appear in plain text in the state or the output. */
export const SENTINELS = {
  managerPassword: "e2e-Admin-Sentinel-7Q2wX9",
  dbPassword: "e2e-Secret-Sentinel-K3p8Lm",
  apiToken: "e2e-Secret-Sentinel-Zr5Tn1",
} as const;

const BLUEPRINT = [
  "inputs:",
  "  greeting: {default: hello}",
  "node_templates:",
  "  app:",
  "    type: cloudify.nodes.Root",
  "",
].join("\n");

export interface ManagerStack {
  readonly double: CloudifyDouble;
  readonly project: EngineProject;
  readonly fixtures: Fixtures;
  readonly backupDir: string;
  /** Requests that reached the manager since `mark()` and would change it (anything but GET). */
  writesSince(mark: number): RecordedRequest[];
  mark(): number;
  close(): Promise<void>;
}

/**
 * A `manager` platform stack with every resource kind (tenant, two secrets, a plugin, two blueprints, two deployments, an
 * install run on each) and a backup, against a fresh HTTPS double of the manager; every secret set with `--secret` from stdin.
 */
export async function managerStack(stack: string): Promise<ManagerStack> {
  const double = await startCloudifyDouble({ users: { admin: SENTINELS.managerPassword } });
  const fixtures = new Fixtures();
  const backupDir = join(fixtures.dir, "backups");
  const project = new EngineProject(stack, {
    platform: "manager",
    manager: { endpoints: [...double.urls], caCert: double.caCertPem },
    resources: {
      tenants: ["ops"],
      secrets: [{ key: "db_password", tenant: "ops" }, { key: "api_token", tenant: "ops" }],
      plugins: [{ wagon: await fixtures.wagon("cmom-e2e-plugin", "1.0"), yaml: fixtures.pluginYaml("cmom-e2e-plugin"), tenant: "ops" }],
      blueprints: [{ path: fixtures.blueprint(BLUEPRINT, "web"), tenant: "ops" }, { path: fixtures.blueprint(BLUEPRINT, "jobs"), tenant: "ops" }],
      deployments: [
        { blueprintId: "web", deploymentId: "web-1", tenant: "ops", inputs: { greeting: "hi" } },
        { blueprintId: "jobs", deploymentId: "jobs-1", tenant: "ops" },
      ],
      executions: [
        { workflowId: "install", deploymentId: "web-1", tenant: "ops" },
        { workflowId: "install", deploymentId: "jobs-1", tenant: "ops" },
      ],
    },
    backup: { dir: backupDir, trigger: "first" },
  });
  await project.init();
  await project.setSecret("manager.password", SENTINELS.managerPassword);
  await project.setSecret("resources.secrets[0].string", SENTINELS.dbPassword);
  await project.setSecret("resources.secrets[1].string", SENTINELS.apiToken);
  return {
    double,
    project,
    fixtures,
    backupDir,
    mark: () => double.requests.length,
    writesSince: (mark) => double.requests.slice(mark).filter((r) => r.method !== "GET"),
    close: async () => {
      await double.close();
      project.cleanup();
      fixtures.cleanup();
    },
  };
}

/** What the manager holds after a complete `up` of the stack managerStack declares. */
export const DECLARED_CONTENT = {
  tenants: ["default_tenant", "ops"],
  secrets: ["ops/api_token", "ops/db_password"],
  plugins: ["cmom-e2e-plugin"],
  blueprints: ["jobs", "web"],
  deployments: ["jobs-1", "web-1"],
  executions: ["jobs-1:install:terminated", "web-1:install:terminated"],
};

/** What the manager holds, as comparable lists (ids per table, executions per deployment and workflow). */
export function managerContent(double: CloudifyDouble) {
  const { state } = double;
  return {
    tenants: [...state.tenants.keys()].sort(),
    secrets: state.secrets.all().map((s) => `${s.tenant_name}/${s.key}`).sort(),
    plugins: state.plugins.all().map((p) => p.package_name).sort(),
    blueprints: state.blueprints.all().map((b) => b.id).sort(),
    deployments: state.deployments.all().map((d) => d.id).sort(),
    // The stack's own runs, on its deployments (the manager's environment workflows come with every deployment).
    executions: state.executions.all()
      .filter((e) => e.deployment_id !== null && !/_deployment_environment$/.test(e.workflow_id))
      .map((e) => `${e.deployment_id}:${e.workflow_id}:${e.status}`).sort(),
  };
}
