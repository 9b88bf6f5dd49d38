import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sshCleanupProvider, type CleanupProps } from "../../components/install/sshCleanupProvider";

const NODE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nNODEKEYNODEKEY\n-----END OPENSSH PRIVATE KEY-----\n";
const BASTION_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nBASTIONKEYBASTIONKEY\n-----END OPENSSH PRIVATE KEY-----\n";
const COMMAND = "sudo -n /opt/cmom/bin/cmom-node-setup cleanup --config json:///etc/cmom/node.json";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-cleanup-test-"));
const fakeBin = path.join(tmp, "bin");
const record = path.join(tmp, "record");
const originalPath = process.env.PATH;

/** An `ssh` that records its arguments and a copy of the directory holding the identity file, then exits as told. */
const FAKE_SSH = `#!/bin/bash
printf '%s\\n' "$@" > "$FAKE_SSH_RECORD/args"
prev=""
for arg in "$@"; do
  if [ "$prev" = "-i" ]; then cp -a "$(dirname "$arg")" "$FAKE_SSH_RECORD/dir"; break; fi
  prev=$arg
done
printf '%s' "\${FAKE_SSH_STDERR:-}" >&2
exit "\${FAKE_SSH_EXIT:-0}"
`;

let provider: dynamic.ResourceProvider<CleanupProps, CleanupProps>;

beforeAll(async () => {
  fs.mkdirSync(fakeBin);
  fs.writeFileSync(path.join(fakeBin, "ssh"), FAKE_SSH, { mode: 0o755 });
  // Loaded the way the engine loads it: from its serialized text.
  const serialized = await pulumi.runtime.serializeFunction(() => sshCleanupProvider, { allowSecrets: true });
  provider = require("require-from-string")(serialized.text).handler();
});

afterEach(() => {
  process.env.PATH = originalPath;
  delete process.env.FAKE_SSH_EXIT;
  delete process.env.FAKE_SSH_STDERR;
  fs.rmSync(record, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function useFakeSsh(exit: number, stderr = "") {
  fs.mkdirSync(record, { recursive: true });
  process.env.PATH = `${fakeBin}:${originalPath}`;
  process.env.FAKE_SSH_RECORD = record;
  process.env.FAKE_SSH_EXIT = String(exit);
  process.env.FAKE_SSH_STDERR = stderr;
}

const recordedArgs = () => fs.readFileSync(path.join(record, "args"), "utf8").trimEnd().split("\n");
const props = (connection: Partial<CleanupProps["connection"]> = {}): CleanupProps => ({
  connection: { host: "203.0.113.5", port: 2222, user: "centos", privateKey: NODE_KEY, ...connection },
  command: COMMAND,
});

describe("sshCleanupProvider", () => {
  it("never connects when created or updated", async () => {
    useFakeSsh(0);
    const created = await provider.create(props());
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.outs).toEqual(props());
    expect((await provider.update!(created.id, props(), props({ host: "203.0.113.9" }))).outs).toEqual(props({ host: "203.0.113.9" }));
    expect(fs.existsSync(path.join(record, "args"))).toBe(false);
  });

  it("runs the cleanup over ssh in batch mode with the key in a private 0600 file it removes afterwards", async () => {
    useFakeSsh(0);
    await provider.delete!("id", props());
    const args = recordedArgs();
    expect(args.slice(-3)).toEqual(["centos@203.0.113.5", "--", COMMAND]);
    expect(args).toEqual(expect.arrayContaining(["BatchMode=yes", "ConnectTimeout=15", "StrictHostKeyChecking=accept-new"]));
    expect(args.join(" ")).not.toMatch(/StrictHostKeyChecking=no|UserKnownHostsFile=\/dev\/null/);
    expect(args[args.indexOf("-p") + 1]).toBe("2222");
    expect(args.join(" ")).not.toContain("NODEKEY");
    const identity = args[args.indexOf("-i") + 1]!;
    const copy = path.join(record, "dir", path.basename(identity));
    expect(fs.readFileSync(copy, "utf8")).toBe(NODE_KEY);
    expect(fs.statSync(copy).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(record, "dir")).mode & 0o777).toBe(0o700);
    expect(fs.existsSync(path.dirname(identity))).toBe(false);
  });

  it("pins the configured host keys of the node and of the bastion it goes through", async () => {
    useFakeSsh(0);
    await provider.delete!("id", props({
      hostKey: "ssh-ed25519 AAAANODE",
      proxy: { host: "bastion.example.com", port: 22, user: "jump", privateKey: BASTION_KEY, hostKey: "ssh-ed25519 AAAABASTION" },
    }));
    const args = recordedArgs();
    expect(args).toEqual(expect.arrayContaining(["StrictHostKeyChecking=yes", "HostKeyAlias=cmom-node"]));
    const dir = path.join(record, "dir");
    expect(fs.readFileSync(path.join(dir, "node.known_hosts"), "utf8")).toBe("cmom-node ssh-ed25519 AAAANODE\n");
    expect(fs.readFileSync(path.join(dir, "bastion.known_hosts"), "utf8")).toBe("cmom-bastion ssh-ed25519 AAAABASTION\n");
    expect(fs.readFileSync(path.join(dir, "bastion.key"), "utf8")).toBe(BASTION_KEY);
    const proxyCommand = args.find((a) => a.startsWith("ProxyCommand="))!;
    expect(proxyCommand).toContain(`'-W' '%h:%p' 'jump@bastion.example.com'`);
    expect(proxyCommand).toContain(`'HostKeyAlias=cmom-bastion'`);
    expect(proxyCommand).not.toContain("BASTIONKEY");
  });

  it("skips an unreachable node with a warning, so destroy goes on", async () => {
    useFakeSsh(255, "ssh: connect to host 203.0.113.5 port 2222: Connection timed out\n");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await expect(provider.delete!("id", props())).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("203.0.113.5 is not reachable over SSH (ssh: connect to host 203.0.113.5 port 2222: Connection timed out)"));
  });

  it("fails when the cleanup itself fails on a reachable node, with its reason", async () => {
    useFakeSsh(1, "cmom-node-setup: cfy_manager remove --force failed: disk full\n");
    await expect(provider.delete!("id", props())).rejects.toThrow("cleanup on 203.0.113.5 failed (exit 1): cmom-node-setup: cfy_manager remove --force failed: disk full");
  });

  it("names the missing OpenSSH client", async () => {
    process.env.PATH = path.join(tmp, "empty");
    await expect(provider.delete!("id", props())).rejects.toThrow("the OpenSSH client `ssh` is not on PATH");
  });

  it("treats a closed port as unreachable with the real OpenSSH client", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await provider.delete!("id", props({ host: "127.0.0.1", port }));
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/127\.0\.0\.1 is not reachable over SSH \(.*Connection refused/));
  });
});
