import { z } from "zod";
import type { LocalPathSchemas } from "./localPaths";
import { cloudifyId, nonEmpty } from "./primitives";

/** Upgrade path: restore a snapshot on the first node before the others join (the reference's `restore` inputs). */
export const restoreSchema = ({ localPath }: LocalPathSchemas) => z.strictObject({
  snapshotPath: localPath.optional(),
  fromStack: nonEmpty.optional(),
  snapshotId: cloudifyId.optional(),
  transferAgents: z.boolean().default(true),
  params: z.strictObject({
    withoutDeploymentEnvs: z.boolean().default(false),
    force: z.boolean().default(false),
    restoreCertificates: z.boolean().default(false),
    noReboot: z.boolean().default(false),
  }).default({ withoutDeploymentEnvs: false, force: false, restoreCertificates: false, noReboot: false }),
}).superRefine((restore, ctx) => {
  const byPath = restore.snapshotPath !== undefined;
  const byStack = restore.fromStack !== undefined || restore.snapshotId !== undefined;
  if (byPath === byStack) {
    ctx.addIssue({ code: "custom", message: "give either snapshotPath or fromStack + snapshotId, not both and not neither" });
  } else if (byStack && (restore.fromStack === undefined || restore.snapshotId === undefined)) {
    ctx.addIssue({ code: "custom", path: [restore.fromStack === undefined ? "fromStack" : "snapshotId"], message: "fromStack and snapshotId go together" });
  }
  if (restore.params.noReboot && !restore.params.restoreCertificates) {
    ctx.addIssue({ code: "custom", path: ["params", "noReboot"], message: "requires params.restoreCertificates" });
  }
});

export type RestoreConfig = z.output<ReturnType<typeof restoreSchema>>;
