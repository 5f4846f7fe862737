import { describe, expect, it } from 'vitest';
import { checkDockerfile, parseDockerfile, serializeDockerfile } from '../../lab-server/gate/dockerfile.ts';
import { readTar, writeTar } from '../../lab-server/gate/tar.ts';
import { GateRefusal, noSuchImage } from '../../lab-server/gate/refusal.ts';

const resolve = async (ref: string) => {
  if (ref === 'debian:trixie-slim') return ref;
  if (ref === 'mysite:1.0') return 'bh-abc/mysite:1.0';
  throw noSuchImage(ref);
};
const check = (text: string) => checkDockerfile(parseDockerfile(Buffer.from(text)), resolve);

describe('Dockerfile checks', () => {
  it('joins continuations like the builder, drops comments, and rewrites base images to engine names', async () => {
    const out = await check('# syntax=docker/dockerfile:1\nfrom mysite:1.0 AS base\n# note\nRUN echo a \\\n  # inside\n  && echo b\nCOPY --from=base /a /b\n');
    expect(serializeDockerfile(out).toString()).toBe('FROM bh-abc/mysite:1.0 AS base\nRUN echo a   && echo b\nCOPY --from=base /a /b\n');
  });

  it('honours the escape directive', async () => {
    const out = await check('# escape=`\nFROM debian:trixie-slim\nRUN echo a `\n b\n');
    expect(serializeDockerfile(out).toString()).toBe('# escape=`\nFROM debian:trixie-slim\nRUN echo a  b\n');
  });

  it.each([
    ['FROM alpine:3', /building FROM|No such image/],
    ['FROM $BASE', /variable in FROM/],
    ['FROM debian:trixie-slim\nADD https://169.254.169.254/latest/meta-data /x', /ADD from a URL/],
    ['FROM debian:trixie-slim\nWORKDIR /proc/self/fd/8', /CVE-2024-21626/],
    ['FROM debian:trixie-slim\nWORKDIR /\nWORKDIR proc/self/fd/7', /CVE-2024-21626/],
    ['FROM debian:trixie-slim\nRUN --network=host curl x', /RUN --network/],
    ['FROM debian:trixie-slim\nRUN --mount=type=bind,source=/,target=/h ls', /RUN --mount/],
    ['FROM debian:trixie-slim\nONBUILD RUN id', /ONBUILD/],
    ['FROM debian:trixie-slim\nCOPY --from=alpine:3 / /', /No such image|building FROM/],
    ['FROM debian:trixie-slim\nLABEL bulkhead.session=other', /bulkhead/],
    ['RUN id', /no FROM/],
  ])('refuses %j', async (text, message) => {
    await expect(check(text)).rejects.toThrow(GateRefusal);
    await expect(check(text)).rejects.toThrow(message);
  });
});

describe('build context tar', () => {
  it('round-trips files, directories, symlinks and long names', () => {
    const long = `${'d'.repeat(80)}/${'f'.repeat(80)}.txt`;
    const entries = [
      { path: 'Dockerfile', type: 'file' as const, mode: 0o644, mtime: 1, data: Buffer.from('FROM x\n'), linkname: '' },
      { path: 'dir', type: 'dir' as const, mode: 0o755, mtime: 1, data: Buffer.alloc(0), linkname: '' },
      { path: 'link', type: 'symlink' as const, mode: 0o777, mtime: 1, data: Buffer.alloc(0), linkname: 'Dockerfile' },
      { path: long, type: 'file' as const, mode: 0o600, mtime: 1, data: Buffer.alloc(1000, 7), linkname: '' },
    ];
    expect(readTar(writeTar(entries))).toEqual(entries);
  });

  it('refuses entries that escape the context or appear twice', () => {
    const entry = (path: string) => ({ path, type: 'file' as const, mode: 0o644, mtime: 1, data: Buffer.from('x'), linkname: '' });
    expect(() => readTar(writeTar([entry('../etc/passwd')]))).toThrow(GateRefusal);
    expect(() => readTar(writeTar([entry('Dockerfile'), entry('./Dockerfile')]))).toThrow(/twice/);
  });
});
