/**
 * The last word on where the proxy may connect. Targets come only from the engine's own record of the
 * session's containers, so these checks are a second wall: an address that is loopback, link-local
 * (169.254.169.254, the cloud metadata service, among them), unspecified, multicast or broadcast, one
 * of this host's own addresses, the network's gateway (the host's side of the bridge), or outside the
 * network's subnet is refused whatever the engine said. Session networks are IPv4-only (the gate
 * refuses EnableIPv6), so IPv6 targets are refused too.
 */
import { networkInterfaces } from 'node:os';

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** `172.20.0.0/16` → base and mask as unsigned 32-bit numbers. */
export function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const [ip = '', bitsText = ''] = cidr.split('/');
  const base = parseIPv4(ip);
  const bits = /^[0-9]{1,2}$/.test(bitsText) ? Number(bitsText) : -1;
  return base === undefined || bits < 0 || bits > 32 ? undefined : { base, bits };
}

function inRange(ip: number, base: number, bits: number): boolean {
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) === Math.floor(base / size);
}

const FORBIDDEN_RANGES = ([
  ['0.0.0.0/8', 'an unspecified address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.0.0/16', 'a link-local address (the cloud metadata service lives there)'],
  ['224.0.0.0/4', 'a multicast address'],
  ['240.0.0.0/4', 'a reserved or broadcast address'],
] as const).map(([cidr, why]) => ({ range: parseCidr(cidr)!, why }));

export interface NetworkFacts {
  /** The network's subnet as the engine reports it, e.g. `172.20.0.0/16`. */
  subnet: string;
  /** The host's own address on the bridge. */
  gateway: string;
}

/** Why the proxy must not connect to `address` on this network, or undefined when it may. */
export function refusalFor(address: string, network: NetworkFacts, hostAddresses: ReadonlySet<string>): string | undefined {
  const ip = parseIPv4(address);
  if (ip === undefined) return 'not an IPv4 address';
  for (const { range, why } of FORBIDDEN_RANGES) if (inRange(ip, range.base, range.bits)) return why;
  if (hostAddresses.has(address)) return 'an address of the lab-server host';
  if (address === network.gateway) return 'the host side of the network';
  const subnet = parseCidr(network.subnet);
  if (!subnet || subnet.bits < 8 || subnet.bits > 30) return 'on a network without a usable IPv4 subnet';
  if (!inRange(ip, subnet.base, subnet.bits)) return 'outside the network\'s subnet';
  const size = 2 ** (32 - subnet.bits);
  const offset = ip - Math.floor(subnet.base / size) * size;
  if (offset === 0 || offset === size - 1) return 'the network or broadcast address';
  return undefined;
}

/** Every address of this host's interfaces, to refuse whatever the engine says. */
export function hostAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const entry of list ?? []) out.add(entry.address);
  return out;
}
