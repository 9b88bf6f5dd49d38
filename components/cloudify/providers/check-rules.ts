import { RESOURCE_ID_PATTERN } from "../client/connection";
import { containsUnknown } from "./unknown";

/** Validators for check(): each returns the failures of one input (none while it is unknown). */
export interface CheckFailure {
  readonly property: string;
  readonly reason: string;
}

export function resourceIdFailures(value: unknown, property: string): CheckFailure[] {
  if (containsUnknown(value)) return [];
  return typeof value === "string" && RESOURCE_ID_PATTERN.test(value)
    ? []
    : [{ property, reason: `must be 1–256 characters of letters, digits, "_", "." or "-", starting with a letter; got ${JSON.stringify(value)}` }];
}

export function nonEmptyStringFailures(value: unknown, property: string): CheckFailure[] {
  if (containsUnknown(value)) return [];
  return typeof value === "string" && value.length > 0 ? [] : [{ property, reason: "must be a non-empty string" }];
}

export function oneOfFailures(value: unknown, allowed: readonly string[], property: string): CheckFailure[] {
  if (containsUnknown(value)) return [];
  return typeof value === "string" && allowed.includes(value) ? [] : [{ property, reason: `must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}` }];
}

export function booleanFailures(value: unknown, property: string): CheckFailure[] {
  if (containsUnknown(value)) return [];
  return typeof value === "boolean" ? [] : [{ property, reason: `must be a boolean; got ${JSON.stringify(value)}` }];
}

export function positiveNumberFailures(value: unknown, property: string): CheckFailure[] {
  if (containsUnknown(value)) return [];
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? [] : [{ property, reason: `must be a positive number of seconds; got ${JSON.stringify(value)}` }];
}

export function mappingFailures(value: unknown, property: string): CheckFailure[] {
  if (containsUnknown(value)) return [];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? [] : [{ property, reason: "must be a mapping" }];
}

/** Narrowest first. */
export const VISIBILITIES = ["private", "tenant", "global"] as const;

/**
 * Whether going from `from` to `to` narrows the visibility: the manager refuses that with 400 `illegal_action_error`
 * (resource_manager.py _validate_visibility_value @4.3 … 7.0.0), so only a new object can have it.
 */
export function narrowsVisibility(from: unknown, to: unknown): boolean {
  const order: readonly unknown[] = VISIBILITIES;
  return order.includes(from) && order.includes(to) && order.indexOf(to) < order.indexOf(from);
}
