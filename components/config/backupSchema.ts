import { z } from "zod";
import type { LocalPathSchemas } from "./localPaths";
import { cloudifyId, nonEmpty } from "./primitives";

/**
 * Snapshots downloaded to the operator's disk (the reference's `backup` workflow). `dir` defaults to snapshots/<stack>/.
 * The stack takes a backup only while `trigger` is set, and a new one whenever it changes (components/day2/cluster-day2.ts).
 */
export const backupSchema = ({ localPath }: LocalPathSchemas) => z.strictObject({
  /** Id of the next backup; default `snap_YYYY_MM_DD_HH_MM_SS` (UTC). A file of that name is never overwritten. */
  snapshotId: cloudifyId.optional(),
  dir: localPath.optional(),
  includeMetrics: z.boolean().default(false),
  includeCredentials: z.boolean().default(true),
  includeLogs: z.boolean().default(true),
  includeEvents: z.boolean().default(true),
  /** Any new value takes a new backup on the next `pulumi up` (what `npm run backup -- <stack>` sets). */
  trigger: nonEmpty.optional(),
});

export type BackupConfig = z.output<ReturnType<typeof backupSchema>> & { readonly dir: string };
