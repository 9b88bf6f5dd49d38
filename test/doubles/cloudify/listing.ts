import { fail, ManagerError } from "./http";

/** Query parameters that are not field filters. */
const CONTROL_PARAMETERS = new Set(["_size", "_offset", "_sort", "_include", "_all_tenants", "_get_all_results", "_search", "_include_system_workflows"]);

const DEFAULT_PAGE_SIZE = 1000;

function integerParameter(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^-?\d+$/.test(raw)) throw fail.badParameters(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < 0) throw fail.badParameters(`${name} must be non-negative, got ${value}`);
  return value;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return String(a) < String(b) ? -1 : 1;
}

/**
 * The manager's list envelope over `items` (objects with every declared field present): field filters (repeat = any
 * of), `_search` (substring of `searchField`), `_sort` (repeatable, "-" = descending), `_include`, `_size`/`_offset`.
 * `extraParameters` are endpoint-specific parameters that are neither filters nor errors.
 */
export function listReply(
  items: readonly Record<string, unknown>[],
  query: URLSearchParams,
  fields: readonly string[],
  options: { searchField?: string; extraParameters?: readonly string[] } = {},
): { status: number; json: unknown } {
  let selected = [...items];
  for (const name of new Set(query.keys())) {
    if (CONTROL_PARAMETERS.has(name) || options.extraParameters?.includes(name)) continue;
    if (!fields.includes(name)) throw fail.badParameters(`Filter field \`${name}\` is not supported: allowed fields are ${fields.join(", ")}`);
    const wanted = query.getAll(name);
    selected = selected.filter((item) => wanted.includes(String(item[name])));
  }
  const search = query.get("_search");
  if (search !== null && options.searchField) selected = selected.filter((item) => String(item[options.searchField!]).includes(search));

  const sorts = query.getAll("_sort").map((s) => (s.startsWith("-") ? { field: s.slice(1), sign: -1 } : { field: s, sign: 1 }));
  for (const sort of sorts) {
    if (!fields.includes(sort.field)) throw fail.badParameters(`Sort field \`${sort.field}\` is not supported`);
  }
  if (sorts.length > 0) {
    selected.sort((a, b) => {
      for (const { field, sign } of sorts) {
        const c = compare(a[field], b[field]);
        if (c !== 0) return sign * c;
      }
      return 0;
    });
  }

  const size = integerParameter(query, "_size", DEFAULT_PAGE_SIZE);
  const offset = integerParameter(query, "_offset", 0);
  const all = query.get("_get_all_results") === "true";
  const page = all ? selected.slice(offset) : selected.slice(offset, offset + size);

  const include = query.get("_include");
  let shaped: Record<string, unknown>[] = page;
  if (include !== null) {
    const wanted = include.split(",").filter((f) => f !== "");
    const unknown = wanted.filter((f) => !fields.includes(f));
    if (unknown.length > 0) throw new ManagerError(400, "no_such_include_field_error", `Illegal include fields: [${unknown.join(", ")}]`);
    shaped = page.map((item) => Object.fromEntries(wanted.map((f) => [f, item[f] ?? null])));
  }
  return { status: 200, json: { items: shaped, metadata: { pagination: { total: selected.length, size, offset } } } };
}
