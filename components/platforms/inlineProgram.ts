import type { PulumiFn } from "@pulumi/pulumi/automation";

/**
 * cmom as the Automation API's inline program (scripts/stack.ts, backup, heal): what it returns becomes the stack's outputs,
 * as index.ts's exports do. The program, and with it the providers' SDKs, is loaded when it first runs: a script answers
 * --help or a usage mistake without loading them.
 */
export const inlineProgram: PulumiFn = async () => ({ ...(await import("./deployStack")).deployStack() });
