import { describe, expect, it } from 'vitest';
import { allowedOrigins, listensOnLoopback, loadConfig } from '../../lab-server/config.ts';
import { LabError } from '../../lab-server/errors.ts';

describe('config', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.SANDBOX_MEMORY_MIB).toBe(256);
    expect(config.SANDBOX_PIDS_LIMIT).toBe(256);
    expect(config.SANDBOX_MILLI_CPUS).toBe(500);
  });

  it('reads numbers from strings', () => {
    expect(loadConfig({ PORT: '9090', SANDBOX_MEMORY_MIB: '128' })).toMatchObject({ PORT: 9090, SANDBOX_MEMORY_MIB: 128 });
  });

  it('names the variable, its value and the rule when a value is invalid', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', SANDBOX_PIDS_LIMIT: '3' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toMatch(/PORT="eighty"/);
    expect((error as Error).message).toMatch(/SANDBOX_PIDS_LIMIT="3": .*16/);
  });

  it('refuses an instance name that could not be a Docker label value we filter on', () => {
    expect(() => loadConfig({ BULKHEAD_INSTANCE: 'Has Spaces' })).toThrow(/BULKHEAD_INSTANCE/);
  });

  it('ignores unrelated environment variables and empty values', () => {
    expect(loadConfig({ PATH: '/usr/bin', PORT: '' }).PORT).toBe(8080);
  });

  it('splits allowed origins', () => {
    expect(allowedOrigins(loadConfig({ ALLOWED_ORIGINS: 'https://a.example, https://b.example,' }))).toEqual(['https://a.example', 'https://b.example']);
  });

  it('reads the operating settings: metrics token, drain grace, log level and format', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({ DRAIN_GRACE_S: 30, LOG_LEVEL: 'info', LOG_FORMAT: 'auto' });
    expect(defaults.METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(16), DRAIN_GRACE_S: '0', LOG_LEVEL: 'debug', LOG_FORMAT: 'json' })).toMatchObject({ DRAIN_GRACE_S: 0, LOG_LEVEL: 'debug', LOG_FORMAT: 'json' });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN="short": at least 16 characters/);
    expect(() => loadConfig({ DRAIN_GRACE_S: '-1' })).toThrow(/DRAIN_GRACE_S/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL="loud"/);
  });

  it('tells a loopback address from a public one (/metrics needs no token on loopback only)', () => {
    for (const HOST of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) expect(listensOnLoopback({ HOST }), HOST).toBe(true);
    for (const HOST of ['0.0.0.0', '::', '192.168.1.10', 'bulkhead.example']) expect(listensOnLoopback({ HOST }), HOST).toBe(false);
  });
});
