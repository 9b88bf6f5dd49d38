import * as pulumi from "@pulumi/pulumi";

export interface FleetRow {
  readonly stack: string;
  readonly clusterIps: unknown;
  readonly clusterStatus: unknown;
}

export interface FleetViewArgs {
  /** The cmom stacks to aggregate. */
  readonly stacks: readonly string[];
}

/** One table of every cluster's `clusterIps` and `clusterStatus`, read through StackReferences (read-only: it changes nothing). */
export class FleetView extends pulumi.ComponentResource {
  readonly table: pulumi.Output<FleetRow[]>;

  constructor(name: string, args: FleetViewArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmom:fleet:FleetView", name, {}, opts);
    const rows = args.stacks.map((stack) => {
      const ref = new pulumi.StackReference(`${name}-${stack.replace(/\//g, "-")}`, { name: stack }, { parent: this });
      // A stack that has not exported a value yet shows null rather than failing the whole table.
      return pulumi.all([ref.getOutput("clusterIps"), ref.getOutput("clusterStatus")])
        .apply(([clusterIps, clusterStatus]) => ({ stack, clusterIps: clusterIps ?? null, clusterStatus: clusterStatus ?? null }));
    });
    this.table = pulumi.all(rows);
    this.registerOutputs({ table: this.table });
  }
}
