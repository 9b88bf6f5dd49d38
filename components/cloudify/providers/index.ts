/** Cloudify objects as Pulumi resources (dynamic providers), each with its own type token `pulumi-nodejs:dynamic/cloudify:<Type>`. */
export { CloudifyBlueprint, type CloudifyBlueprintArgs } from "./blueprint";
export type { CloudifyConnectionArgs } from "./connection-args";
export { CloudifyDeployment, type CloudifyDeploymentArgs } from "./deployment";
export { CloudifyExecution, type CloudifyExecutionArgs } from "./execution";
export { CloudifyPlugin, type CloudifyPluginArgs } from "./plugin";
export { CloudifySecret, type CloudifySecretArgs } from "./secret";
export { CloudifyTenant, type CloudifyTenantArgs } from "./tenant";
export { createBlueprintProvider } from "./blueprint-provider";
export { createDeploymentProvider } from "./deployment-provider";
export { createExecutionProvider } from "./execution-provider";
export { createPluginProvider } from "./plugin-provider";
export { createSecretProvider } from "./secret-provider";
export { createTenantProvider } from "./tenant-provider";
