import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runScriptProcess } from "../support/runScript";

describe("npm run plan -- pool --graph FILE", () => {
  const graph = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cmom-graph-")), "pool.mmd");
  const run = runScriptProcess("plan", "pool", "--json", "--graph", graph);

  it("plans the pool stack with its install", () => {
    expect(run.status, run.stderr).toBe(0);
  });

  it("draws each node's chain post_install → config → init → test, then the cluster start and the joins one after another", () => {
    const mermaid = fs.readFileSync(graph, "utf8");
    const ids = new Map([...mermaid.matchAll(/(r\d+)\["[^"<]*<br\/>([^"]*)"\]/g)].map((m) => [m[2]!, m[1]!]));
    const edges = new Set([...mermaid.matchAll(/ (r\d+) --> (r\d+)/g)].map((m) => `${m[1]}>${m[2]}`));
    const edge = (from: string, to: string) => {
      expect(ids.has(from) && ids.has(to), `${from} and ${to} are drawn`).toBe(true);
      return edges.has(`${ids.get(from)}>${ids.get(to)}`);
    };
    for (const node of [0, 1, 2]) {
      const part = (p: string) => `pool-install-node-${node}-${p}`;
      expect(edge(part("node-json"), part("post-install"))).toBe(true);
      expect(edge(part("post-install"), part("config"))).toBe(true);
      expect(edge(part("config"), part("init"))).toBe(true);
      expect(edge(part("init"), part("test"))).toBe(true);
    }
    expect(edge("pool-install-node-0-test", "pool-install-cluster-start")).toBe(true);
    expect(edge("pool-install-cluster-start", "pool-install-cluster-join-1")).toBe(true);
    expect(edge("pool-install-cluster-join-1", "pool-install-cluster-join-2")).toBe(true);
    expect(edge("pool-install-node-2-test", "pool-install-cluster-join-2")).toBe(true);
  });
});
