/** Cloudify objects as Pulumi resources (dynamic providers), each with its own type token `pulumi-nodejs:dynamic/cloudify:<Type>`. */
export { CloudifyBlueprint } from "./blueprint";
export type { CloudifyConnectionArgs } from "./connection-args";
export { CloudifyDeployment } from "./deployment";
export { CloudifyExecution } from "./execution";
export { CloudifyPlugin } from "./plugin";
export { CloudifySecret } from "./secret";
export { CloudifyTenant } from "./tenant";
export { createBlueprintProvider } from "./blueprint-provider";
export { createDeploymentProvider } from "./deployment-provider";
export { createExecutionProvider } from "./execution-provider";
export { createPluginProvider } from "./plugin-provider";
export { createSecretProvider } from "./secret-provider";
export { createTenantProvider } from "./tenant-provider";
