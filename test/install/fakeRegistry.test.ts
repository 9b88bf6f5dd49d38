// The installer fakes share one registry between nodes, as the managers of a cluster share their databases and brokers.
// The hosts end-to-end test runs the tools of four nodes at once, so nodes installing together must all be recorded.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeRoleFakeBin } from "./fakes/roleNodes";

const NODES = 40;
let scratch = "";
afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

function installBroker(index: number, registry: string): Promise<{ code: number | null; stderr: string }> {
  const root = path.join(scratch, `node-${index}`);
  const bin = makeRoleFakeBin(path.join(root, "fakebin"));
  const config = path.join(root, "config.yaml");
  fs.writeFileSync(config, JSON.stringify({
    services_to_install: ["queue_service"],
    manager: { private_ip: `10.0.0.${index + 1}`, hostname: `node-${index}` },
    rabbitmq: { nodename: `broker-${index}` },
  }));
  return new Promise((resolve) => {
    const child = spawn(path.join(bin, "cfy_manager"), ["install", "-c", config], {
      env: { PATH: "/usr/bin:/bin", CMOM_ROOT: root, FAKE_REGISTRY: registry },
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("installer fakes' shared registry", () => {
  it("records every node when many install at the same moment", async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-fake-registry-"));
    const registry = path.join(scratch, "registry.json");
    const results = await Promise.all(Array.from({ length: NODES }, (_, index) => installBroker(index, registry)));
    expect(results.filter((r) => r.code !== 0)).toEqual([]);
    const brokers = JSON.parse(fs.readFileSync(registry, "utf8")).brokers;
    expect(Object.keys(brokers).sort()).toEqual(Array.from({ length: NODES }, (_, index) => `broker-${index}`).sort());
  });
});
