/** The https endpoint of an address (IPv6 in brackets): the inverse of endpointAddress. */
export function endpointFor(address: string): string {
  const net: typeof import("node:net") = require("node:net");
  return `https://${net.isIPv6(address) ? `[${address}]` : address}`;
}

/** The address an endpoint URL names (with its port when it has one): `https://10.0.0.5` → `10.0.0.5`. */
export function endpointAddress(endpoint: string): string {
  return new URL(endpoint).host.replace(/^\[(.*)\]$/, "$1");
}
