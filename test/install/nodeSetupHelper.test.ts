// cmom-node-setup's python helper runs as one process per stage: the redaction it does for each command's output follows
// config.yaml as the stage changes it, a helper that dies fails the stage before anything reaches the log, and none is left
// running after a stage.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Certificates, FakeNode, makeCertificates, SECRETS } from "./fakes/harness";

let certs: Certificates;
const nodes: FakeNode[] = [];

beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => {
  fs.rmSync(path.dirname(certs.dir), { recursive: true, force: true });
});
afterEach(() => {
  for (const node of nodes.splice(0)) node.remove();
});

/** A node whose init runs `script` (bash) after the install. */
function nodeRunning(script: string) {
  const node = new FakeNode(certs);
  nodes.push(node);
  const file = node.path("opt/script.sh");
  fs.writeFileSync(file, script, { mode: 0o755 });
  node.writeConfig({ scripts: [file] });
  return node;
}

/** bash: `action` for each helper process (its id in $pid) serving the stages of the node whose config is $CMOM_CONFIG. */
const forEachHelper = (action: string) => `for dir in /proc/[0-9]*; do
  if grep -qz '^serve$' "$dir/cmdline" 2>/dev/null && grep -qzx "_CMOM_CFG_PATH=$CMOM_CONFIG" "$dir/environ" 2>/dev/null; then
    pid=\${dir#/proc/}; ${action}
  fi
done
`;

/** The helper processes serving this node's stages, found as the stages' own scripts find them. */
function helpersOf(node: FakeNode): string[] {
  const found = spawnSync("bash", ["-c", forEachHelper('echo "$pid"')], { env: { ...process.env, CMOM_CONFIG: node.configPath }, encoding: "utf8" });
  return found.stdout.split("\n").filter(Boolean);
}

describe("the helper process of a stage", () => {
  it("masks secrets the installer wrote into config.yaml earlier in the same stage", async () => {
    const node = nodeRunning(`cat ${JSON.stringify(path.join("$CMOM_ROOT", "etc/cloudify/config.yaml"))}\n`);
    await node.runAll("post_install", "config", "init");
    const written = JSON.parse(fs.readFileSync(node.path("etc/cloudify/config.yaml"), "utf8"));
    const generated = [written.flask_security.secret_key, written.flask_security.hash_salt];
    expect(generated).toEqual([expect.stringMatching(/^generated-/), expect.stringMatching(/^generated-/)]);
    const log = fs.readFileSync(node.path("var/log/cmom/node-setup.log"), "utf8");
    expect(log).toContain('"secret_key": "***REDACTED***"'); // the script's output is in the log, masked
    for (const secret of [...generated, SECRETS.adminPassword]) expect(log).not.toContain(secret);
  });

  it("that dies fails the stage, and the output it did not mask stays out of the log", async () => {
    // Kills the helper serving this node's stage, then prints a secret for the helper to mask.
    const node = nodeRunning(`${forEachHelper('kill -9 "$pid"')}printf 'admin password: %s\\n' "$SECRET"\n`);
    await node.runAll("post_install", "config");
    const result = await node.run("init", [], { CMOM_CONFIG: node.configPath, SECRET: SECRETS.adminPassword });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("cmom-node-setup init: the python helper ended unexpectedly during 'log-output'\n");
    const log = fs.readFileSync(node.path("var/log/cmom/node-setup.log"), "utf8");
    expect(log).toContain("ended unexpectedly");
    expect(log).not.toContain("admin password:");
    expect(log).not.toContain(SECRETS.adminPassword);
  });

  it("ends with its stage, also when the stage fails", async () => {
    // Notes whether a helper serves the stage while it runs, then fails the stage.
    const node = nodeRunning(`${forEachHelper('echo running >"$CMOM_ROOT/helper-seen"')}exit 3\n`);
    await node.runAll("post_install", "config");
    expect((await node.run("init", [], { CMOM_CONFIG: node.configPath })).code).toBe(1);
    expect(fs.readFileSync(node.path("helper-seen"), "utf8")).toBe("running\n");
    expect(helpersOf(node)).toEqual([]);
  });
});
