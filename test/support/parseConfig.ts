import type { LocalPathBase } from "../../components/config/localPaths";
import { ConfigError, parseStackConfig, type Platform, type StackConfig } from "../../components/config/loadStackConfig";
import { EXAMPLE_PATHS, exampleNamespaces, toPulumiConfig, type Namespaces } from "./exampleStacks";

export interface ParseTestOptions {
  /** Default true, as in a preview. */
  readonly allowPlaceholders?: boolean;
  /** Default false, as in a preview. */
  readonly checkLocalFiles?: boolean;
  /** Namespaces set without --secret. */
  readonly plainKeys?: string[];
  /** Default: a stack file in stacks/, as the examples. */
  readonly paths?: LocalPathBase;
}

/** Parses namespaces as the program would receive them from Pulumi; `P` is the platform they name (openstack unless said). */
export function parse<P extends Platform = "openstack">(ns: Namespaces, options: ParseTestOptions = {}): Extract<StackConfig, { platform: P }> {
  const { config, secretKeys } = toPulumiConfig(ns, options.plainKeys);
  return parseStackConfig(config, {
    stack: "teststack",
    allowPlaceholders: options.allowPlaceholders ?? true,
    checkLocalFiles: options.checkLocalFiles ?? false,
    isSecret: (at) => secretKeys.includes(at.replace(/[.[].*$/, "")),
    paths: options.paths ?? EXAMPLE_PATHS,
  }) as Extract<StackConfig, { platform: P }>;
}

/** The problems parse reports, or [] when the config is valid. */
export function problems(ns: Namespaces, options: ParseTestOptions = {}): string[] {
  try {
    parse(ns, options);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

/** The problems of example stack `name` once `change` has edited a copy of its namespaces. */
export function problemsAfter(name: string, change: (ns: Record<string, any>) => void): string[] {
  const ns = structuredClone(exampleNamespaces(name)) as Record<string, any>;
  change(ns);
  return problems(ns);
}
