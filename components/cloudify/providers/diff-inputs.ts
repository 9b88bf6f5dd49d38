import type { CloudifyConnection } from "../client/connection";
import { sameValue } from "./same-value";
import { containsUnknown } from "./unknown";

export interface DiffRules {
  /** Input keys (besides `connection`) that the provider compares. */
  readonly inputs: readonly string[];
  /** Of those, the ones whose change needs a new object (replace). The others update in place. */
  readonly replaceOn: readonly string[];
  /** The object lives in the connection's tenant: a tenant change replaces it. Other connection changes update. */
  readonly tenantScoped: boolean;
  /** The new object has the old one's id: delete first. */
  readonly deleteBeforeReplace: boolean;
}

export interface InputDiff {
  readonly changes: boolean;
  readonly replaces: string[];
  readonly deleteBeforeReplace?: boolean;
}

/** Exact diff of inputs: unchanged (up to key order) → no change; unknown during preview → counted as a change. */
export function diffInputs(oldState: object, newInputs: object, rules: DiffRules): InputDiff {
  const olds = oldState as Record<string, unknown>;
  const news = newInputs as Record<string, unknown>;
  const changed = rules.inputs.filter((key) => containsUnknown(news[key]) || !sameValue(olds[key], news[key]));
  const replaces = changed.filter((key) => rules.replaceOn.includes(key));
  const oldConnection = olds.connection as Partial<CloudifyConnection> | undefined;
  const newConnection = news.connection as Partial<CloudifyConnection> | undefined;
  if (containsUnknown(newConnection) || !sameValue(oldConnection, newConnection)) {
    changed.push("connection");
    const tenantChanged = containsUnknown(newConnection?.tenant) || oldConnection?.tenant !== newConnection?.tenant;
    if (rules.tenantScoped && tenantChanged) replaces.push("connection");
  }
  return {
    changes: changed.length > 0,
    replaces,
    ...(replaces.length > 0 && rules.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
  };
}
