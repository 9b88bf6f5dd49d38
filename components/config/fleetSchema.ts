import { z } from "zod";

/** `<org>/<project>/<stack>` or `<stack>` (same org and project) as `pulumi stack ls` names them. */
const stackName = z.string().regex(/^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/, "not a stack name (<stack>, <project>/<stack> or <org>/<project>/<stack>)");

/** Fleet mode: this stack builds nothing and aggregates the status of other cmom stacks (the reference's "meta" blueprint). */
export const fleetSchema = z.strictObject({
  stacks: z.array(stackName).min(1, "list at least one stack").refine((s) => new Set(s).size === s.length, "stacks are listed twice"),
});

export type FleetConfig = z.output<typeof fleetSchema>;
