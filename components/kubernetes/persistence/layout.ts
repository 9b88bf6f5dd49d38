/**
 * The contract of seed-and-link.sh as data for the Pulumi side: where the script is, the environment it reads, and
 * where on the volume each persisted path lives (what the manager container's symlink at that path points into).
 */
import * as path from "path";

/** Absolute path of the script, to read into a ConfigMap. */
export const seedAndLinkScriptPath = path.join(__dirname, "seed-and-link.sh");

/** Where the script expects the volume unless CMOM_PERSIST_MOUNT says otherwise. */
export const defaultPersistMount = "/cfy-persist";

/** The script works only below this subdirectory of the volume (so a `lost+found` never matters). */
const persistWorkSubdir = "cmom";

/** Environment variables the script reads (arguments override them). */
export const seedAndLinkEnv = Object.freeze({
  /** Volume mount point; default /cfy-persist. */
  mount: "CMOM_PERSIST_MOUNT",
  /** Persisted absolute paths, separated by spaces or newlines; required. */
  paths: "CMOM_PERSIST_PATHS",
  /** Manager version of the image, e.g. 5.0.5; required (a newer version on the volume stops the start). */
  imageVersion: "CMOM_IMAGE_VERSION",
  /** Seconds to wait for another start holding the volume lock; default 1800. */
  lockTimeout: "CMOM_PERSIST_LOCK_TIMEOUT",
  /** 1 (default): the mount must be a mount point. 0 only for tests. */
  checkMountpoint: "CMOM_PERSIST_CHECK_MOUNTPOINT",
  /** 1: a path missing from the image starts as an empty directory owned like its parent; 0 (default): an error. */
  createMissing: "CMOM_PERSIST_CREATE_MISSING",
  /** Prefix of the image's file system; empty in containers, a temp directory in tests. */
  root: "CMOM_PERSIST_ROOT",
});

const normalisedAbsolutePath = /^(\/[^/\s]+)+$/;

/**
 * The volume-relative location of a persisted path: `cmom/data/<path without its leading slash>`, e.g.
 * `cmom/data/var/lib/pgsql` for /var/lib/pgsql: where `link` mode points the path, relative to the volume.
 */
export function persistedSubPath(persistedPath: string): string {
  if (!normalisedAbsolutePath.test(persistedPath) || /\/\.\.?(\/|$)/.test(persistedPath)) {
    throw new Error(`persistedSubPath: '${persistedPath}' is not a normalised absolute path`);
  }
  return `${persistWorkSubdir}/data${persistedPath}`;
}
