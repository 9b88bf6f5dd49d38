// Where cmom puts things on a manager node, and the shell commands that operate on them. Every command here is a constant
// string: values that vary (and every secret) reach the node on stdin, never on a command line.

/** The lifecycle tool and its stage table (components/install/node-setup/*), root-owned. */
export const TOOL_DIR = "/opt/cmom/bin";
export const TOOL = `${TOOL_DIR}/cmom-node-setup`;
/** node.json: root-only (0600 in a 0700 directory), it holds the admin and LDAP passwords. */
const CONFIG_DIR = "/etc/cmom";
export const NODE_JSON = `${CONFIG_DIR}/node.json`;
const CONFIG_URL = `json://${NODE_JSON}`;
/** ca.pem, external.crt/.key, internal.crt/.key. */
export const CERTS_DIR = `${CONFIG_DIR}/certs`;
/** Uploads arrive as the SSH user, so these two directories belong to that user (the tool reads them as root). */
const INSTALLER_DIR = "/opt/cmom/installer";
export const INSTALLER_RPM = `${INSTALLER_DIR}/cloudify-manager-install.rpm`;
const STAGING_DIR = "/opt/cmom/staging";

/** Single-quotes a word for POSIX sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Creates the directories above with their owners and modes (`install -d` also corrects existing ones, so reruns converge).
 * `sudo -n` fails at once instead of waiting for a password prompt nobody can answer.
 */
export const PREPARE_COMMAND = [
  `sudo -n install -d -m 0755 -o root -g root /opt/cmom ${TOOL_DIR}`,
  `sudo -n install -d -m 0700 -o root -g root ${CONFIG_DIR} ${CERTS_DIR}`,
  `sudo -n install -d -m 0755 -o "$(id -un)" ${INSTALLER_DIR}`,
  `sudo -n install -d -m 0700 -o "$(id -un)" ${STAGING_DIR}`,
].join(" && ");

/** Where the tool's files are uploaded before they are installed, root-owned, into TOOL_DIR. */
export const TOOL_STAGING_DIR = `${STAGING_DIR}/tool`;

/** Installs the uploaded tool files into TOOL_DIR as root: the tool 0755, the rest 0644. */
export function installToolCommand(files: readonly { readonly name: string; readonly executable: boolean }[]): string {
  return files.map((file) => `sudo -n install -o root -g root -m ${file.executable ? "0755" : "0644"} ${shellQuote(`${TOOL_STAGING_DIR}/${file.name}`)} ${shellQuote(`${TOOL_DIR}/${file.name}`)}`).join(" && ");
}

/** Writes stdin to `path` as root with `mode`, atomically (temporary file, then rename), so a reader never sees half a file. */
export function writeFileCommand(path: string, mode: "0600" | "0644"): string {
  const script = `umask 077 && cat > "$1.cmom-tmp" && chmod ${mode} "$1.cmom-tmp" && mv -f "$1.cmom-tmp" "$1"`;
  return `sudo -n sh -c ${shellQuote(script)} cmom-write ${shellQuote(path)}`;
}

/**
 * Writes stdin to `path` as the SSH user (creating its directory) with `mode`, atomically; the tool installs or reads it from
 * there as root. The mode keeps a local script's executable bit (the tool runs an executable script itself, others with bash).
 */
export function uploadCommand(path: string, mode: "0644" | "0755"): string {
  const script = `mkdir -p "$(dirname "$1")" && cat > "$1.cmom-tmp" && chmod ${mode} "$1.cmom-tmp" && mv -f "$1.cmom-tmp" "$1"`;
  return `sh -c ${shellQuote(script)} cmom-upload ${shellQuote(path)}`;
}

export type Stage = "post_install" | "config" | "init" | "test" | "cleanup" | "cluster_start" | "cluster_join";

/** Runs one stage of the lifecycle tool as root against node.json. */
export function stageCommand(stage: Stage): string {
  return `sudo -n ${TOOL} ${stage} --config ${CONFIG_URL}`;
}

/** The destroy-time cleanup: a node that never got the tool or its node.json has nothing to clean up. */
export const CLEANUP_COMMAND = `if test -x ${TOOL} && sudo -n test -f ${NODE_JSON}; then ${stageCommand("cleanup")}; else echo 'cmom: nothing installed, nothing to clean up'; fi`;

/** Where a configured file or script is uploaded on the node (index first: two sources may share a base name). */
export function stagedPath(kind: "files" | "scripts", index: number, src: string): string {
  return `${STAGING_DIR}/${kind}/${index}-${src.split(/[\\/]/).pop()}`;
}
