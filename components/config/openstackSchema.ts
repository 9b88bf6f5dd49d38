import { z } from "zod";
import { hostname, ipv4, ipv4Cidr, MAX_ITEMS, MAX_NODES, nonEmpty } from "./primitives";

/** One entry of nova's block_device_mapping_v2, as the reference's `os_device_mapping` input. */
const blockDeviceSchema = z.strictObject({
  bootIndex: z.number().int().min(-1).optional(),
  uuid: nonEmpty.optional(),
  /** GiB; 64 TiB is beyond any single boot or data volume. */
  volumeSize: z.number().int().positive().max(65_536).optional(),
  sourceType: z.enum(["image", "volume", "snapshot", "blank"]),
  destinationType: z.enum(["volume", "local"]).default("volume"),
  deleteOnTermination: z.boolean().default(false),
}).superRefine((device, ctx) => {
  if (device.sourceType !== "blank" && !device.uuid) {
    ctx.addIssue({ code: "custom", path: ["uuid"], message: `required when sourceType is ${device.sourceType}` });
  }
  if (device.destinationType === "volume" && (device.sourceType === "image" || device.sourceType === "blank") && !device.volumeSize) {
    ctx.addIssue({ code: "custom", path: ["volumeSize"], message: `required when a ${device.sourceType} becomes a volume` });
  }
});

const SERVER_GROUP_POLICIES = ["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"] as const;

const poolEntrySchema = z.strictObject({ ipAddress: ipv4, hostname });

export const openstackSchema = z.strictObject({
  image: nonEmpty.optional(),
  flavor: nonEmpty,
  network: nonEmpty,
  subnet: nonEmpty,
  keypair: nonEmpty,
  securityGroups: z.array(nonEmpty).max(MAX_ITEMS).default([]),
  // anti-affinity by default: the reference's `affinity` put every HA member on one hypervisor.
  serverGroupPolicy: z.enum(SERVER_GROUP_POLICIES).default("anti-affinity"),
  ipMode: z.enum(["pool", "private", "floating"]),
  floatingNetwork: nonEmpty.optional(),
  resourcePool: z.array(poolEntrySchema).max(MAX_NODES).optional(),
  blockDevices: z.array(blockDeviceSchema).max(MAX_ITEMS).optional(),
  availabilityZone: nonEmpty.optional(),
  allowedCidrs: z.array(ipv4Cidr).min(1, "at least one CIDR must be allowed to reach 22/80/443").max(MAX_ITEMS),
}).superRefine((os, ctx) => {
  const bootsFromVolume = (os.blockDevices ?? []).some((d) => d.bootIndex === 0 && d.destinationType === "volume");
  if (bootsFromVolume && os.image) {
    ctx.addIssue({ code: "custom", path: ["image"], message: "must be absent when blockDevices boots from a volume" });
  }
  if (!bootsFromVolume && !os.image) {
    ctx.addIssue({ code: "custom", path: ["image"], message: "required unless blockDevices boots from a volume (bootIndex 0, destinationType volume)" });
  }
  if ((os.ipMode === "floating") !== (os.floatingNetwork !== undefined)) {
    ctx.addIssue({ code: "custom", path: ["floatingNetwork"], message: os.ipMode === "floating" ? "required when ipMode is floating" : `only allowed when ipMode is floating (ipMode is ${os.ipMode})` });
  }
  if ((os.ipMode === "pool") !== (os.resourcePool !== undefined)) {
    ctx.addIssue({ code: "custom", path: ["resourcePool"], message: os.ipMode === "pool" ? "required when ipMode is pool" : `only allowed when ipMode is pool (ipMode is ${os.ipMode})` });
  }
  reportDuplicates(os.resourcePool ?? [], "ipAddress", ctx);
  reportDuplicates(os.resourcePool ?? [], "hostname", ctx);
});

function reportDuplicates(pool: { ipAddress: string; hostname: string }[], field: "ipAddress" | "hostname", ctx: z.RefinementCtx) {
  const firstIndex = new Map<string, number>();
  pool.forEach((entry, index) => {
    const key = field === "hostname" ? entry[field].toLowerCase() : entry[field];
    const first = firstIndex.get(key);
    if (first === undefined) firstIndex.set(key, index);
    else ctx.addIssue({ code: "custom", path: ["resourcePool", index, field], message: `duplicate of resourcePool[${first}].${field}` });
  });
}

export type OpenStackConfig = z.output<typeof openstackSchema>;
export type BlockDevice = z.output<typeof blockDeviceSchema>;
