import { z } from "zod";
import { isHostname } from "./primitives";

const relativeName = z.string().refine((n) => !n.endsWith(".") && isHostname(n), "not a relative DNS name (labels without a trailing dot)");

/** Designate zone and record names. Records are `<name>.<zone>`. */
export const dnsSchema = z.strictObject({
  zone: z.string().refine((z) => z.endsWith(".") && isHostname(z.slice(0, -1)) && z.includes("."), "not a fully qualified zone name ending in '.' (e.g. example.com.)"),
  createZone: z.boolean().default(false),
  email: z.email("not an e-mail address").optional(),
  ttl: z.number().int().min(1).max(2147483647).default(300),
  /** Record name of each node, in node order; defaults to the node's host name. */
  nodeRecords: z.array(relativeName).optional(),
  /** Record name of the cluster entry point (every node's address). */
  entryPoint: relativeName.default("manager"),
}).superRefine((dns, ctx) => {
  if (dns.createZone && !dns.email) ctx.addIssue({ code: "custom", path: ["email"], message: "required when createZone is true" });
  const names = [...(dns.nodeRecords ?? [])];
  names.forEach((name, index) => {
    if (names.indexOf(name) !== index) ctx.addIssue({ code: "custom", path: ["nodeRecords", index], message: `duplicate record name ${name}` });
  });
  if (names.includes(dns.entryPoint)) ctx.addIssue({ code: "custom", path: ["entryPoint"], message: `${dns.entryPoint} is also a node record` });
});

export type DnsConfig = z.output<typeof dnsSchema>;
