import { mkdtempSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bearerToken, hashSecret, newSecret, organizerKey, sameToken, verifySecret } from '../../lab-server/workshops/secrets.ts';

describe('instructor secrets', () => {
  it('are stored only as a salted scrypt hash that verifies the secret and nothing else', async () => {
    const secret = newSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const hash = await hashSecret(secret);
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(hash).not.toContain(secret);
    expect(await hashSecret(secret)).not.toBe(hash);
    expect(await verifySecret(secret, hash)).toBe(true);
    expect(await verifySecret(newSecret(), hash)).toBe(false);
    expect(await verifySecret(secret, 'plain$text')).toBe(false);
  });

  it('compare tokens of any length in constant time', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abcd')).toBe(false);
  });

  it('come only from a well-formed Bearer header', () => {
    const req = (authorization?: string) => ({ headers: { authorization } }) as IncomingMessage;
    expect(bearerToken(req(`Bearer ${'a'.repeat(43)}`))).toBe('a'.repeat(43));
    for (const bad of [undefined, 'Basic abc', `bearer ${'a'.repeat(43)}`, 'Bearer short', `Bearer ${'a'.repeat(129)}`, `Bearer ${'a'.repeat(40)}!!!`]) {
      expect(bearerToken(req(bad))).toBeUndefined();
    }
  });
});

describe('the organizer key', () => {
  it('is created once, readable by its owner only, and read back after', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'bulkhead-key-')), 'data');
    const key = organizerKey(dir);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(dir, 'organizer-key')).mode & 0o777).toBe(0o600);
    expect(organizerKey(dir)).toBe(key);
  });
});
