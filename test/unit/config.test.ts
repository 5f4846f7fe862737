import { describe, expect, it } from 'vitest';
import { allowedOrigins, loadConfig } from '../../lab-server/config.ts';
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
});
