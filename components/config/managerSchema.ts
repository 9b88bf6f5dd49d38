import { z } from "zod";
import { nonEmpty, pemCertificate, secretString, type SecretPolicy } from "./primitives";

/** An https base URL of one manager (a port may follow the host; no path, query or credentials). */
const managerEndpoint = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: `expected an https:// URL, found ${JSON.stringify(value)}` });
    return;
  }
  // cmom speaks to managers over verified TLS only.
  if (url.protocol !== "https:") ctx.addIssue({ code: "custom", message: `expected an https:// URL, found scheme ${url.protocol.replace(/:$/, "")}` });
  if (url.username || url.password) ctx.addIssue({ code: "custom", message: "credentials do not belong in the URL: set cmom:manager.username and cmom:manager.password" });
  if (url.pathname !== "/" || url.search || url.hash) ctx.addIssue({ code: "custom", message: `expected a base URL (https://host[:port]), found path ${JSON.stringify(url.pathname + url.search + url.hash)}` });
}).transform((value) => new URL(value).origin);

/**
 * `cmom:manager`: a Cloudify manager or cluster that runs already (installed by hand, by another tool, or by another cmom stack);
 * the stack manages its content and day 2 only.
 */
export function managerSchema(policy: SecretPolicy) {
  return z.strictObject({
    /** Every member's base URL, the one to try first first. */
    endpoints: z.array(managerEndpoint).min(1, "list at least one endpoint").max(16, "at most 16 endpoints")
      .refine((all) => new Set(all).size === all.length, "an endpoint is listed twice"),
    /** PEM of the CA that signed the managers' certificates; without it the system's trusted CAs verify them. */
    caCert: pemCertificate.optional(),
    username: nonEmpty.default("admin"),
    password: secretString(policy),
  });
}

export type ManagerConfig = z.output<ReturnType<typeof managerSchema>>;
