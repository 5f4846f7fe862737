import { describe, expect, it } from 'vitest';
import { gatePolicyOverrides, loadConfig } from '../../lab-server/config.ts';
import { LabError } from '../../lab-server/errors.ts';
import { buildGatePolicy, DEFAULT_POLICY, DOCKER_DEFAULT_CAPS, type GatePolicy } from '../../lab-server/gate/policy.ts';

const MIB = 1024 * 1024;

describe('the gate policy builder', () => {
  it('gives the documented defaults when neither lesson nor operator changes anything', () => {
    expect(buildGatePolicy()).toEqual({
      capAllowlist: DOCKER_DEFAULT_CAPS, allowRoot: false, memoryBytesMax: 256 * MIB, pidsMax: 128, nanoCpusMax: 500_000_000,
      tmpfsBytesMax: 64 * MIB, maxContainers: 10, maxImages: 10, maxVolumes: 10, maxNetworks: 5, buildContextBytesMax: 32 * MIB,
      buildTimeoutMs: 600_000, imageAllowlist: ['debian:trixie-slim'],
    });
    expect(buildGatePolicy(undefined, gatePolicyOverrides(loadConfig({})))).toEqual(DEFAULT_POLICY);
  });

  it('lets a lesson allow root, and only a lesson', () => {
    expect(buildGatePolicy({ allowRoot: true }).allowRoot).toBe(true);
    expect(buildGatePolicy({ allowRoot: false }).allowRoot).toBe(false);
    // A partial policy passed as overrides (as DockerGate receives one) does not turn root on by itself.
    const partial: Partial<GatePolicy> = { allowRoot: true, maxContainers: 3 };
    expect(buildGatePolicy({}, partial)).toMatchObject({ allowRoot: false, maxContainers: 3 });
  });

  it('applies the operator\'s GATE_* settings in the policy\'s units, keeping defaults for the rest', () => {
    const config = loadConfig({
      GATE_MAX_CONTAINERS: '4', GATE_MAX_MEMORY_MIB: '512', GATE_MAX_MILLI_CPUS: '1500', GATE_MAX_PIDS: '64', GATE_MAX_TMPFS_MIB: '16',
      GATE_MAX_BUILD_CONTEXT_MIB: '8', GATE_BUILD_TIMEOUT_MIN: '2', GATE_IMAGE_ALLOWLIST: 'debian:trixie-slim, python:3.12-slim',
    });
    const policy = buildGatePolicy({ allowRoot: true }, gatePolicyOverrides(config));
    expect(policy).toMatchObject({
      maxContainers: 4, memoryBytesMax: 512 * MIB, nanoCpusMax: 1_500_000_000, pidsMax: 64, tmpfsBytesMax: 16 * MIB,
      buildContextBytesMax: 8 * MIB, buildTimeoutMs: 120_000, imageAllowlist: ['debian:trixie-slim', 'python:3.12-slim'], allowRoot: true,
    });
    expect(policy.maxImages).toBe(DEFAULT_POLICY.maxImages);
    expect(policy.capAllowlist).toEqual(DOCKER_DEFAULT_CAPS);
    expect(buildGatePolicy({}, gatePolicyOverrides(loadConfig({ GATE_IMAGE_ALLOWLIST: 'none' }))).imageAllowlist).toEqual([]);
  });

  it.each([
    ['GATE_MAX_CONTAINERS', '0'],
    ['GATE_MAX_MEMORY_MIB', 'lots'],
    ['GATE_MAX_MILLI_CPUS', '99999'],
    ['GATE_MAX_PIDS', '2.5'],
    ['GATE_IMAGE_ALLOWLIST', 'Debian:Latest'],
    ['GATE_IMAGE_ALLOWLIST', 'bulkhead/shell'],
  ])('refuses %s=%s at start, naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).code).toBe('CONFIG_INVALID');
    expect((error as LabError).message).toContain(`${name}=${JSON.stringify(value)}`);
  });

  it('refuses a policy with an escape-grade capability or a limit that is not a positive whole number', () => {
    expect(() => buildGatePolicy({}, { capAllowlist: ['NET_RAW', 'cap_sys_admin'] })).toThrow(/capAllowlist may not contain SYS_ADMIN/);
    expect(() => buildGatePolicy({}, { capAllowlist: ['ALL'] })).toThrow(LabError);
    expect(() => buildGatePolicy({}, { maxContainers: 0 })).toThrow(/maxContainers must be a positive whole number/);
    expect(buildGatePolicy({}, { capAllowlist: ['cap_net_raw'] }).capAllowlist).toEqual(['NET_RAW']);
  });
});
