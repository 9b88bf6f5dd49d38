import { join } from "node:path";
import { fetchToFile } from "../archive-reader";
import { fail, ManagerError, type RequestContext } from "../http";
import type { DoubleContext } from "../router";
import type { Visibility } from "../state";

/** Delete answers: 5.1+ 204 with no body; up to 5.0.5 200 with the deleted object. */
export function deleteReply(d: DoubleContext, deleted: unknown): { status: number; json?: unknown } {
  return d.features.deleteAnswers204 ? { status: 204 } : { status: 200, json: deleted };
}

const VISIBILITIES: readonly string[] = ["private", "tenant", "global"];

export function visibilityOf(value: unknown, fallback: Visibility = "tenant"): Visibility {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string" || !VISIBILITIES.includes(value)) {
    throw fail.badParameters(`Invalid visibility: ${JSON.stringify(value)}. Valid visibility values are: ${VISIBILITIES.join(", ")}`);
  }
  return value as Visibility;
}

let fetchedCounter = 0;

/** An upload's archive: the raw body, or fetched from the `urlParameter` query parameter; both → 400. */
export async function receiveArchive(d: DoubleContext, ctx: RequestContext, urlParameter: string): Promise<string> {
  const url = ctx.query.get(urlParameter);
  if (url !== null) {
    if (ctx.hasBody()) throw fail.badParameters(`Can't pass both ${urlParameter} and an archive in the request body`);
    const file = join(d.dir, `fetched-${++fetchedCounter}`);
    if (!(await fetchToFile(url, file))) throw new ManagerError(400, "param_url_not_found_error", `URL ${url} not found`);
    return file;
  }
  const received = await ctx.bodyToFile();
  if (!received) throw fail.badParameters(`Missing archive: send it as the request body or pass ${urlParameter}`);
  return received.file;
}
