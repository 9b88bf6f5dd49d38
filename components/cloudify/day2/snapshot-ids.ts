/** Snapshot ids cmom chooses: both fit the manager's id rule (a letter first, then `[A-Za-z0-9_.-]`). */

/** Default id of a backup, `snap_YYYY_MM_DD_HH_MM_SS` in UTC (the reference's format, which used the local time). */
export function defaultSnapshotId(at: Date): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  return `snap_${at.getUTCFullYear()}_${two(at.getUTCMonth() + 1)}_${two(at.getUTCDate())}_${two(at.getUTCHours())}_${two(at.getUTCMinutes())}_${two(at.getUTCSeconds())}`;
}

/**
 * Id under which a restore uploads a snapshot file: derived from its content, so a rerun finds its own upload and two
 * different files never meet under one name (the reference always used `restored_snapshot`, and a retry failed).
 */
export function restoreSnapshotId(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`restoreSnapshotId: expected a hex sha256, got ${JSON.stringify(sha256)}`);
  return `restore_${sha256.slice(0, 16)}`;
}
