import { isIP } from "node:net";

/** Designate wants bare addresses: `[fd00::1]` (as some APIs print IPv6) becomes `fd00::1`. */
export function bareAddress(address: string): string {
  return address.replace(/^\[(.*)\]$/, "$1");
}

/** The record type that holds these addresses; one record set cannot mix IPv4 and IPv6. */
export function recordTypeOf(addresses: readonly string[]): "A" | "AAAA" {
  const families = new Set(addresses.map((a) => isIP(bareAddress(a))));
  if (families.has(0)) throw new Error(`not an IP address: ${addresses.filter((a) => isIP(bareAddress(a)) === 0).join(", ")}`);
  if (families.size > 1) throw new Error(`cannot publish IPv4 and IPv6 addresses in one record set: ${addresses.join(", ")}`);
  return families.has(6) ? "AAAA" : "A";
}
