import { describe, expect, it } from 'vitest';
import { parseCidr, parseIPv4, refusalFor } from '../../lab-server/preview/addresses.ts';

const network = { subnet: '172.20.0.0/16', gateway: '172.20.0.1' };
const none = new Set<string>();

describe('preview target addresses', () => {
  it('parses dotted IPv4 strictly', () => {
    expect(parseIPv4('172.20.0.2')).toBe(0xac140002);
    for (const bad of ['172.20.0', '172.20.0.256', '172.020.0.2', '0x7f.0.0.1', '2130706433', '::1', '172.20.0.2 ']) expect(parseIPv4(bad), bad).toBeUndefined();
    expect(parseCidr('172.20.0.0/16')).toEqual({ base: 0xac140000, bits: 16 });
  });

  it('allows a container address inside the session network\'s subnet', () => {
    expect(refusalFor('172.20.0.2', network, none)).toBeUndefined();
    expect(refusalFor('172.20.255.254', network, none)).toBeUndefined();
  });

  it('refuses loopback, link-local and metadata, unspecified, multicast and reserved addresses', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '169.254.169.254', '169.254.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '240.0.0.1']) {
      expect(refusalFor(address, { subnet: '0.0.0.0/0', gateway: '' }, none), address).toBeDefined();
    }
  });

  it('refuses the gateway, the host\'s own addresses, the network and broadcast addresses and anything outside the subnet', () => {
    expect(refusalFor('172.20.0.1', network, none)).toMatch(/host side/);
    expect(refusalFor('172.20.0.9', network, new Set(['172.20.0.9']))).toMatch(/lab-server host/);
    expect(refusalFor('172.20.0.0', network, none)).toMatch(/network or broadcast/);
    expect(refusalFor('172.20.255.255', network, none)).toMatch(/network or broadcast/);
    expect(refusalFor('172.21.0.2', network, none)).toMatch(/outside/);
    expect(refusalFor('10.0.0.2', network, none)).toMatch(/outside/);
  });

  it('refuses IPv6 and networks without a usable subnet', () => {
    expect(refusalFor('fd00::2', network, none)).toMatch(/IPv4/);
    expect(refusalFor('172.20.0.2', { subnet: '', gateway: '' }, none)).toMatch(/subnet/);
    expect(refusalFor('172.20.0.2', { subnet: '172.0.0.0/4', gateway: '' }, none)).toMatch(/subnet/);
  });
});
