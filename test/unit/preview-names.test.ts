import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasDotSegment, isUnderPreviewDomain, newPreviewId, parsePort, parsePreviewHost, parsePreviewPath, previewHost, previewPath } from '../../lab-server/preview/names.ts';

const ID = 'abcdefghijklmnopqrstuvwxyz';

describe('preview names', () => {
  it('makes 26-character lower-case base32 ids that differ every time', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newPreviewId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[a-z2-7]{26}$/);
  });

  it('accepts ports 1 to 65535 written plainly, and nothing else', () => {
    expect(parsePort('1')).toBe(1);
    expect(parsePort('65535')).toBe(65_535);
    for (const bad of ['0', '65536', '03000', '-1', '3000.0', '1e3', ' 80', '80 ', '0x50', '', 'abc', '999999']) expect(parsePort(bad), bad).toBeUndefined();
    fc.assert(fc.property(fc.integer({ min: 1, max: 65_535 }), (port) => parsePort(String(port)) === port));
  });

  it('reads p<port>-<id>.<base> from a Host header, with or without a port, in any case', () => {
    expect(parsePreviewHost(`p3000-${ID}.localhost:8080`, 'localhost')).toEqual({ id: ID, port: 3000 });
    expect(parsePreviewHost(`P3000-${ID.toUpperCase()}.LOCALHOST`, 'localhost')).toEqual({ id: ID, port: 3000 });
    expect(parsePreviewHost(`p80-${ID}.preview.example.net`, 'preview.example.net')).toEqual({ id: ID, port: 80 });
    expect(previewHost({ id: ID, port: 3000 }, 'localhost')).toBe(`p3000-${ID}.localhost`);
  });

  it('refuses every other shape of host name', () => {
    for (const host of [
      `p3000-${ID}.localhost.evil.example`, `x.p3000-${ID}.localhost`, `p3000-${ID}localhost`, `p0-${ID}.localhost`,
      `p65536-${ID}.localhost`, `p03000-${ID}.localhost`, `p3000-${ID.slice(1)}.localhost`, `p3000-${ID}1.localhost`,
      `p3000-${ID}.localhost@169.254.169.254`, `p3000_${ID}.localhost`, 'localhost', '169.254.169.254', '', undefined,
      `p3000-${ID}.localhost:80:80`, `[::1]`, `p3000-${ID.replace('a', '1')}.localhost`,
    ]) expect(parsePreviewHost(host, 'localhost'), String(host)).toBeUndefined();
  });

  it('tells a host under the preview domain from the course\'s own host', () => {
    expect(isUnderPreviewDomain('anything.localhost:8080', 'localhost')).toBe(true);
    expect(isUnderPreviewDomain('localhost:8080', 'localhost')).toBe(false);
    expect(isUnderPreviewDomain('evillocalhost', 'localhost')).toBe(false);
  });

  it('reads /preview/<id>/<port>/rest, keeping the rest as the app\'s path', () => {
    expect(parsePreviewPath(`/preview/${ID}/3000/a/b?c=d`)).toEqual({ id: ID, port: 3000, rest: '/a/b?c=d' });
    expect(parsePreviewPath(`/preview/${ID}/3000`)).toEqual({ id: ID, port: 3000, rest: '/' });
    expect(parsePreviewPath(`/preview/${ID}/0/`)).toBeUndefined();
    expect(parsePreviewPath(`/preview/${ID}/3000x/`)).toBeUndefined();
    expect(parsePreviewPath(`/x/preview/${ID}/3000/`)).toBeUndefined();
    expect(previewPath({ id: ID, port: 3000 })).toBe(`/preview/${ID}/3000/`);
  });

  it('finds dot segments and backslashes, raw or percent-encoded, and nothing else', () => {
    for (const path of ['/..', '/../x', '/a/./b', '/a/%2e%2e/b', '/a/%2E./b', '/a/.%2e', '/a\\b', '/a%5cb']) expect(hasDotSegment(path), path).toBe(true);
    for (const path of ['/', '/a.b/c', '/...', '/a/..b', '/x?y=/../z', '/.well-known/x']) expect(hasDotSegment(path), path).toBe(false);
  });
});
