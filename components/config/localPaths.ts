import * as path from "node:path";
import { z } from "zod";
import { isUrl, nonEmpty } from "./primitives";

/**
 * Where a stack's local paths start: relative ones at the directory of its stack file (as Pulumi reads the stack file, a user
 * writes `../examples/…` beside it), and they may not leave the project, which would read (or write) whatever lies beside the
 * checkout. Absolute paths are taken as given.
 */
export interface LocalPathBase {
  /** Directory of the stack file (`<project>/stacks` for `stacks/Pulumi.<stack>.yaml`). */
  readonly stackDir: string;
  /** The project directory: the program's working directory, against which the resolved paths are read. */
  readonly projectDir: string;
}

/** `absolute` relative to the project directory, or undefined when it lies outside the project. */
function fromProject(absolute: string, projectDir: string): string | undefined {
  const relative = path.relative(projectDir, absolute);
  return relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative) ? undefined : relative || ".";
}

/** A relative path as the program reads it (relative to the project), or why it is refused; an absolute path as given. */
function resolveLocalPath(value: string, base: LocalPathBase): { readonly path: string } | { readonly problem: string } {
  if (path.isAbsolute(value)) return { path: value };
  const read = fromProject(path.resolve(base.stackDir, value), base.projectDir);
  if (read === undefined) {
    const stackDir = path.relative(base.projectDir, base.stackDir) || ".";
    return {
      problem: `expected an absolute path or a path inside the project, relative to the stack file's directory (${stackDir}); ` +
        `found ${value}, which leads out of the project`,
    };
  }
  return { path: read };
}

/** How a stack file in `base.stackDir` names the file at `absolute`: relative to its directory when both lie in the project, else absolute. */
export function pathForStackFile(absolute: string, base: LocalPathBase): string {
  const inProject = (p: string) => fromProject(p, base.projectDir) !== undefined;
  return inProject(absolute) && inProject(base.stackDir) ? path.relative(base.stackDir, absolute) || "." : absolute;
}

/** The schemas of local path keys for stacks whose paths start at `base`; each yields the path as the program reads it. */
export function localPathSchemas(base: LocalPathBase) {
  // One resolution per value: a URL as given, the path as the program reads it, or the refusal reported against the key.
  const read = (value: string, ctx: z.RefinementCtx<string>) => {
    if (isUrl(value)) return value;
    const resolved = resolveLocalPath(value, base);
    if ("path" in resolved) return resolved.path;
    ctx.addIssue({ code: "custom", message: resolved.problem });
    return z.NEVER;
  };
  return {
    /** A file or folder on the operator's disk. */
    localPath: nonEmpty.refine((value) => !isUrl(value), "must be a local path (URLs are not supported)").transform(read),
    /** A local file or an https URL (plain http would let anyone on the path swap the artifact). */
    localPathOrHttpsUrl: nonEmpty.refine((value) => !isUrl(value) || value.startsWith("https://"), "must be a local path or an https:// URL")
      .transform(read),
  };
}

export type LocalPathSchemas = ReturnType<typeof localPathSchemas>;
