import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { BackupConfig } from "../../components/config/backupSchema";

/** Outside a preview the exports are the ClusterStatus resource's outputs: what the provider read from the live cluster. */
const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const LIVE = {
  clusterIps: { master: "10.0.0.3", slaves: ["10.0.0.1", "10.0.0.2"] },
  clusterStatus: { leaderStatus: [{ service: "Webserver", status: "running" }], clusterStatus: [], error: null },
};
const created: string[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      created.push(args.type);
      return { id: `${args.name}-id`, state: args.type.endsWith(":ClusterStatus") ? { ...args.inputs, ...LIVE } : args.inputs };
    },
    call: () => ({}),
  }, "cmom", "test", false);
});

describe("clusterDay2 in an update", () => {
  it("exports clusterIps and clusterStatus as the status resource read them (leader node 2 first)", async () => {
    const { clusterDay2 } = await import("../../components/day2/cluster-day2");
    const backup: BackupConfig = { dir: "snapshots/test", includeMetrics: false, includeCredentials: true, includeLogs: true, includeEvents: true };
    const connection = { endpoints: ["https://10.0.0.1", "https://10.0.0.2", "https://10.0.0.3"], username: "admin", password: "pw", caCert: "-----BEGIN CERTIFICATE-----" };
    const out = clusterDay2({ name: "test", backup, connection, addresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3"], after: [] });
    expect(await valueOf(out.clusterIps)).toEqual(LIVE.clusterIps);
    expect(await valueOf(out.clusterStatus)).toEqual(LIVE.clusterStatus);
    expect(out.backup).toBeUndefined();
    expect(created).toEqual(["pulumi-nodejs:dynamic/cloudify:ClusterStatus"]);
  });
});
