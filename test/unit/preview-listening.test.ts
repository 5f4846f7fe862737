import { describe, expect, it } from 'vitest';
import { parseProcNetTcp, summarize } from '../../lab-server/preview/listening.ts';

describe('listening ports', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 1 1 0 100 0 0 10 0',
    '   1: 0100007F:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 100 0 0 10 0',
    '   2: 0B00007F:95F1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0',
    '   3: 020014AC:0BB8 030014AC:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 4 1 0 100 0 0 10 0',
    '   4: 020014AC:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5 1 0 100 0 0 10 0',
  ].join('\n');
  const tcp6 = [
    '  sl  local_address                         remote_address                        st',
    '   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 6',
    '   1: 00000000000000000000000001000000:1389 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 7',
    '   2: 0000000000000000FFFF00000100007F:138A 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 8',
  ].join('\n');

  it('reads listening sockets, marks loopback-only ones and leaves out Docker\'s DNS', () => {
    expect(parseProcNetTcp(`${tcp}\n${tcp6}`)).toEqual([
      { port: 8080, loopback: false }, { port: 3001, loopback: true }, { port: 3000, loopback: false },
      { port: 80, loopback: false }, { port: 5001, loopback: true }, { port: 5002, loopback: true },
    ]);
    expect(parseProcNetTcp('garbage\n 0: zz:zz zz 0A')).toEqual([]);
  });

  it('gives one entry per port, reachable when any of its sockets is', () => {
    expect(summarize('app', [{ port: 3000, loopback: true }, { port: 3000, loopback: false }, { port: 9, loopback: true }])).toEqual([
      { port: 3000, container: 'app', reachable: true }, { port: 9, container: 'app', reachable: false },
    ]);
  });
});
