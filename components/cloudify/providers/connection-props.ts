import type { CloudifyConnection } from "../client/connection";
import { caCertEntry, connectionProblems } from "../client/connection";
import { containsUnknown } from "./unknown";

/** check() failures for the `connection` input (skipped while parts of it are unknown, during preview). */
export function connectionFailures(connection: unknown): { property: string; reason: string }[] {
  if (containsUnknown(connection)) return [];
  return connectionProblems(connection).map((problem) => {
    const [property, ...reason] = problem.split(": ");
    return { property, reason: reason.join(": ") };
  });
}

/** The connection as stored in state (a plain object; the engine keeps the password secret). */
export function plainConnection(connection: CloudifyConnection): CloudifyConnection {
  return {
    endpoints: [...connection.endpoints],
    username: connection.username,
    password: connection.password,
    ...caCertEntry(connection.caCert),
    tenant: connection.tenant,
  };
}

/**
 * An update that changes nothing on the manager (only local settings or connection details changed): the new inputs are
 * recorded over the old outputs.
 */
export function recordOnlyUpdate<Outs extends object, Inputs extends { connection: CloudifyConnection }>(olds: Outs, news: Inputs): { outs: Outs & Inputs } {
  return { outs: { ...olds, ...news, connection: plainConnection(news.connection) } };
}
