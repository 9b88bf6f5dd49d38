// RemoteStep's provider against real sshd hosts (network namespaces, test/install/sshHosts.ts), loaded from its serialized
// text as the engine loads it.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RemoteStepOutputs, RemoteStepProps } from "../../components/install/remoteStepProvider";
import { remoteStepProvider } from "../../components/install/remoteStepProvider";
import { ensureSshServer, SshHosts, type SshHost } from "./sshHosts";

const SENTINEL = "Sentinel-Stdin-7be1c04d";
let hosts: SshHosts;
let host: SshHost;
let provider: dynamic.ResourceProvider<RemoteStepProps, RemoteStepOutputs>;

beforeAll(async () => {
  ensureSshServer();
  hosts = new SshHosts(1);
  host = hosts.hosts[0]!;
  const serialized = await pulumi.runtime.serializeFunction(() => remoteStepProvider, { allowSecrets: true });
  provider = require("require-from-string")(serialized.text).handler();
}, 180_000);

afterAll(() => hosts?.close());

const step = (over: Partial<RemoteStepProps> = {}, connection: Partial<RemoteStepProps["connection"]> = {}): RemoteStepProps => ({
  connection: { host: host.address, port: 22, user: "root", privateKey: fs.readFileSync(hosts.key, "utf8"), hostKey: host.hostKey, ...connection },
  dial: { attempts: 3, delaySeconds: 0.2 },
  command: "true",
  triggers: [{ server: "a" }],
  secret: false,
  ...over,
});

/** Every command line on this machine, sampled until `done` settles. */
async function commandLinesDuring<T>(done: Promise<T>): Promise<{ result: T; lines: Set<string> }> {
  const lines = new Set<string>();
  let finished = false;
  const settled = done.finally(() => { finished = true; });
  while (!finished) {
    for (const pid of fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
      try {
        lines.add(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " "));
      } catch {
        // the process ended meanwhile
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { result: await settled, lines };
}

describe("remoteStepProvider over real SSH", () => {
  it("runs the command once on create, with its stdin, and keeps its output", async () => {
    const file = path.join(host.root, "created.txt");
    const { id, outs } = await provider.create(step({ command: `cat > ${file} && echo done`, stdin: "hello\n" }));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fs.readFileSync(file, "utf8")).toBe("hello\n");
    expect(outs?.stdout).toBe("done\n");
    expect(outs?.stderr).toBe("");
  });

  it("a secret on stdin never shows in any command line, in the node's logs or in the step's output", async () => {
    const file = path.join(host.root, "secret.json");
    const stdin = JSON.stringify({ adminPassword: SENTINEL });
    const { result, lines } = await commandLinesDuring(provider.create(step({
      command: `sleep 0.5; cat > ${file}; grep -o 'Sentinel[^"]*' ${file}`, stdin, secret: true,
    })));
    expect(fs.readFileSync(file, "utf8")).toBe(stdin);
    expect(result.outs?.stdout).toBe("[secret]\n");
    expect(lines.size).toBeGreaterThan(10);
    expect([...lines].some((line) => line.includes(`cat > ${file}`))).toBe(true); // the sampling saw the step run
    expect([...lines].filter((line) => line.includes(SENTINEL))).toEqual([]);
    expect(fs.readFileSync(path.join(host.root, "sshd.log"), "utf8")).not.toContain(SENTINEL);
  });

  it("streams a local file to the node (uploads)", async () => {
    const local = path.join(hosts.dir, "upload.bin");
    fs.writeFileSync(local, Buffer.alloc(3 * 1024 * 1024, 7));
    const remote = path.join(host.root, "uploaded", "upload.bin");
    await provider.create(step({ command: `mkdir -p ${path.dirname(remote)} && cat > ${remote}`, stdinFile: local }));
    expect(fs.readFileSync(remote).equals(fs.readFileSync(local))).toBe(true);
  });

  it("fails the step with the command's exit status and the tail of its stderr, never a secret", async () => {
    const stdin = JSON.stringify({ adminPassword: SENTINEL });
    const failing = provider.create(step({ command: `cat >/dev/null; echo "bad: ${SENTINEL}" >&2; echo 'disk full' >&2; exit 3`, stdin, secret: true }));
    await expect(failing).rejects.toThrow(`command on ${host.address} failed (exit 3):\nbad: [secret]\ndisk full`);
  });

  it("refuses a host whose key is not the pinned one, running nothing", async () => {
    const marker = path.join(host.root, "must-not-exist");
    const wrongKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHDfOo/XmSbaXgl7IQD7ik1iY3b8fS6dCLAdPZmHsnLk";
    await expect(provider.create(step({ command: `touch ${marker}` }, { hostKey: wrongKey })))
      .rejects.toThrow(`refused ${host.address}: its SSH host key is not the pinned one`);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it("retries a host whose sshd does not answer, then says it cannot reach it", async () => {
    const started = Date.now();
    await expect(provider.create(step({ dial: { attempts: 3, delaySeconds: 0.5 } }, { port: 2 })))
      .rejects.toThrow(new RegExp(`cannot reach ${host.address.replace(/\./g, "\\.")} over SSH after 3 attempt\\(s\\): .*Connection refused; nothing was run`));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("reaches a host whose sshd comes up while it is retrying", async () => {
    // A second sshd on port 2222 of the same host, started after the first attempt was refused.
    const marker = path.join(host.root, "late.txt");
    const late = provider.create(step({ command: `touch ${marker}`, dial: { attempts: 20, delaySeconds: 0.25 } }, { port: 2222 }));
    await new Promise((resolve) => setTimeout(resolve, 600));
    const stop = hosts.startExtraSshd(host, 2222);
    try {
      await late;
      expect(fs.existsSync(marker)).toBe(true);
    } finally {
      stop();
    }
  });

  it("reruns as a replacement when triggers change, in place when command or stdin change, and otherwise touches nothing", async () => {
    const { outs } = await provider.create(step());
    const diff = (news: RemoteStepProps) => provider.diff!("id", outs!, news);
    expect(await diff(step())).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect((await diff(step({ triggers: [{ server: "b" }] }))).replaces).toEqual(["triggers"]);
    expect(await diff(step({ stdin: "other" }))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(await diff(step({ command: "false" }))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(await diff(step({}, { privateKey: "rotated" }))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const marker = path.join(host.root, "updated.txt");
    await provider.update!("id", outs!, step({}, { privateKey: fs.readFileSync(hosts.key, "utf8") + "\n" }));
    expect(fs.existsSync(marker)).toBe(false);
    const updated = await provider.update!("id", outs!, step({ command: `touch ${marker} && echo again` }));
    expect(fs.existsSync(marker)).toBe(true);
    expect(updated.outs?.stdout).toBe("again\n");
    // Key order in the state is not kept: the same triggers in another order change nothing.
    expect((await diff(step({ triggers: [{ b: 1, a: 2 }] })) ).replaces).toEqual(["triggers"]);
    const reordered = { ...outs!, triggers: [{ a: 2, b: 1 }] };
    expect(await provider.diff!("id", reordered, step({ triggers: [{ b: 1, a: 2 }] }))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(provider.delete).toBeUndefined();
  });
});
