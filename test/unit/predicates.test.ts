import { describe, expect, it } from 'vitest';
import { answerScript, evaluate, isRootUser, judgeAnswer, readPath, type AnswerCriterion, type DockerCriterion } from '../../lab-server/checks/predicates.ts';

const base = (over: Record<string, unknown> = {}) => ({
  Config: { User: '', Image: 'bulkhead/web:nginx-1.26', Env: ['PATH=/usr/bin'], Healthcheck: { Test: ['CMD', 'true'] } },
  HostConfig: { CapDrop: null, CapAdd: null, Privileged: false, ReadonlyRootfs: false, Memory: 0, PidsLimit: 0, NanoCpus: 0, SecurityOpt: null, NetworkMode: 'bridge', PidMode: '', IpcMode: 'private', UTSMode: '', UsernsMode: '' },
  State: { Running: true, Status: 'running', Health: { Status: 'healthy' } },
  Mounts: [],
  ...over,
});
const c = (assert: DockerCriterion['assert'], extra: Partial<DockerCriterion> = {}): DockerCriterion => ({ kind: 'docker', id: 'x', label: 'x x x', object: 'container', name: 'web', assert, ...extra });

describe('docker predicates', () => {
  it('reads dotted paths, with escaped dots in keys', () => {
    expect(readPath({ A: { B: [1, 2] } }, 'A.B.1')).toBe(2);
    expect(readPath({ L: { 'a.b': 'x' } }, 'L.a\\.b')).toBe('x');
    expect(readPath({}, 'A.B')).toBeUndefined();
  });

  it('knows root from non-root users', () => {
    for (const user of ['', '0', 'root', '0:0', 'root:root']) expect(isRootUser(user)).toBe(true);
    for (const user of ['1000', '1000:1000', 'nginx', 'app:app']) expect(isRootUser(user)).toBe(false);
  });

  it('non-root-user fails for root and passes for a uid', () => {
    expect(evaluate(c('non-root-user'), base())).toEqual({ passed: false, message: 'the container web runs its processes as root' });
    expect(evaluate(c('non-root-user'), base({ Config: { User: '1000' } })).passed).toBe(true);
  });

  it('cap-drop-all names a partial drop', () => {
    expect(evaluate(c('cap-drop-all'), base()).message).toMatch(/default capabilities/);
    expect(evaluate(c('cap-drop-all'), base({ HostConfig: { CapDrop: ['NET_RAW'] } })).message).toMatch(/drops only NET_RAW/);
    expect(evaluate(c('cap-drop-all'), base({ HostConfig: { CapDrop: ['ALL'] } })).passed).toBe(true);
  });

  it('cap-added wants exactly the one capability', () => {
    const crit = c('cap-added', { value: 'NET_BIND_SERVICE' });
    expect(evaluate(crit, base()).passed).toBe(false);
    expect(evaluate(crit, base({ HostConfig: { CapAdd: ['CAP_NET_BIND_SERVICE'] } })).passed).toBe(true);
    expect(evaluate(crit, base({ HostConfig: { CapAdd: ['NET_BIND_SERVICE', 'SYS_ADMIN'] } })).message).toMatch(/also adds SYS_ADMIN/);
  });

  it('limits compare against the maximum and report the actual value', () => {
    const mem = c('memory-limit', { value: 64 * 1024 * 1024 });
    expect(evaluate(mem, base()).message).toMatch(/no memory limit/);
    expect(evaluate(mem, base({ HostConfig: { Memory: 128 * 1024 * 1024 } })).message).toMatch(/128 MiB.*more than 64 MiB/);
    expect(evaluate(mem, base({ HostConfig: { Memory: 64 * 1024 * 1024 } })).passed).toBe(true);
    const pids = c('pids-limit', { value: 50 });
    expect(evaluate(pids, base({ HostConfig: { PidsLimit: -1 } })).passed).toBe(false);
    expect(evaluate(pids, base({ HostConfig: { PidsLimit: 50 } })).passed).toBe(true);
    expect(evaluate(c('cpu-limit', { value: 1 }), base({ HostConfig: { NanoCpus: 500_000_000 } })).passed).toBe(true);
    expect(evaluate(c('cpu-limit', { value: 1 }), base({ HostConfig: { CpuQuota: 200_000, CpuPeriod: 100_000 } })).passed).toBe(false);
  });

  it('no-new-privileges accepts both spellings', () => {
    expect(evaluate(c('no-new-privileges'), base()).passed).toBe(false);
    expect(evaluate(c('no-new-privileges'), base({ HostConfig: { SecurityOpt: ['no-new-privileges'] } })).passed).toBe(true);
    expect(evaluate(c('no-new-privileges'), base({ HostConfig: { SecurityOpt: ['no-new-privileges:true'] } })).passed).toBe(true);
  });

  it('no-host-namespaces names each shared namespace', () => {
    expect(evaluate(c('no-host-namespaces'), base()).passed).toBe(true);
    expect(evaluate(c('no-host-namespaces'), base({ HostConfig: { NetworkMode: 'host', PidMode: 'host' } })).message).toMatch(/network, PID namespaces/);
  });

  it('no-docker-sock spots the socket by source or destination', () => {
    expect(evaluate(c('no-docker-sock'), base({ Mounts: [{ Source: '/var/run/docker.sock', Destination: '/x' }] })).passed).toBe(false);
    expect(evaluate(c('no-docker-sock'), base({ Mounts: [{ Source: '/data', Destination: '/data' }] })).passed).toBe(true);
  });

  it('pinned-image refuses latest, untagged, tags and short IDs, accepts full IDs and digests', () => {
    expect(evaluate(c('pinned-image'), base({ Config: { Image: 'nginx' } })).message).toMatch(/no tag/);
    expect(evaluate(c('pinned-image'), base({ Config: { Image: 'nginx:latest' } })).message).toMatch(/latest/);
    expect(evaluate(c('pinned-image'), base({ Config: { Image: 'localhost:5000/nginx' } })).passed).toBe(false);
    const tagged = evaluate(c('pinned-image'), base());
    expect(tagged.passed).toBe(false);
    expect(tagged.message).toMatch(/runs the tag nginx-1\.26, which can be moved/);
    const hashTag = evaluate(c('pinned-image'), base({ Config: { Image: 'bulkhead/web:sha-4108952709fd' } }));
    expect(hashTag.passed).toBe(false);
    expect(hashTag.message).toMatch(/looks like a hash, but it is a tag/);
    for (const image of ['bbb0cfa0a0b5', `sha256:${'b'.repeat(12)}`]) {
      const short = evaluate(c('pinned-image'), base({ Config: { Image: image } }));
      expect(short.passed).toBe(false);
      expect(short.message).toMatch(/short ID \(12 hex digits\)/);
    }
    expect(evaluate(c('pinned-image'), base({ Config: { Image: `sha256:${'a'.repeat(64)}` } })).passed).toBe(true);
    expect(evaluate(c('pinned-image'), base({ Config: { Image: 'a'.repeat(64) } })).passed).toBe(true);
    expect(evaluate(c('pinned-image'), base({ Config: { Image: `bulkhead/web@sha256:${'c'.repeat(64)}` } })).passed).toBe(true);
    expect(evaluate(c('pinned-image'), base({ Config: { Image: `bulkhead/web:nginx-1.26@sha256:${'c'.repeat(64)}` } })).passed).toBe(true);
  });

  it('no-capabilities judges the effective result: an added capability or privileged mode fails', () => {
    expect(evaluate(c('no-capabilities'), base()).message).toMatch(/default capabilities/);
    expect(evaluate(c('no-capabilities'), base({ HostConfig: { CapDrop: ['NET_RAW'] } })).message).toMatch(/drops only NET_RAW/);
    const addBack = evaluate(c('no-capabilities'), base({ HostConfig: { CapDrop: ['ALL'], CapAdd: ['CAP_CHOWN'] } }));
    expect(addBack).toEqual({ passed: false, message: 'the container web drops every capability, then adds back CHOWN' });
    expect(evaluate(c('no-capabilities'), base({ HostConfig: { CapDrop: ['ALL'], Privileged: true } })).message).toMatch(/privileged/);
    expect(evaluate(c('no-capabilities'), base({ HostConfig: { CapDrop: ['all'], CapAdd: [] } })).passed).toBe(true);
  });

  it('health, privilege, read-only root and running', () => {
    expect(evaluate(c('healthcheck'), base()).passed).toBe(true);
    expect(evaluate(c('healthcheck'), base({ Config: { Healthcheck: { Test: ['NONE'] } } })).passed).toBe(false);
    expect(evaluate(c('healthy'), base({ State: { Health: { Status: 'starting' } } })).message).toMatch(/starting/);
    expect(evaluate(c('not-privileged'), base({ HostConfig: { Privileged: true } })).passed).toBe(false);
    expect(evaluate(c('read-only-rootfs'), base({ HostConfig: { ReadonlyRootfs: true } })).passed).toBe(true);
    expect(evaluate(c('running'), base({ State: { Running: false, Status: 'exited' } })).message).toMatch(/exited/);
  });

  it('path-equals and path-matches compare inspect values', () => {
    const eq = c('path-equals', { path: 'State.OOMKilled', value: true });
    expect(evaluate(eq, base({ State: { OOMKilled: true } })).passed).toBe(true);
    expect(evaluate(eq, base({ State: { OOMKilled: false } })).passed).toBe(false);
    const re = c('path-matches', { path: 'Config.User', value: '^[1-9][0-9]*$' });
    expect(evaluate(re, base({ Config: { User: '1000' } })).passed).toBe(true);
    expect(evaluate(re, base()).passed).toBe(false);
  });

  it('no-secret-in-env names the leaking variables, not their values', () => {
    const result = evaluate(c('no-secret-in-env'), base({ Config: { Env: ['DB_PASSWORD=hunter2', 'API_KEY=x', 'PATH=/bin'] } }));
    expect(result.passed).toBe(false);
    expect(result.message).toMatch(/DB_PASSWORD, API_KEY/);
    expect(result.message).not.toMatch(/hunter2/);
  });

  it('uses the author\'s failMessage when given', () => {
    expect(evaluate(c('read-only-rootfs', { failMessage: 'web can still write to /' }), base()).message).toBe('web can still write to /');
  });
});

describe('typed answers', () => {
  const q = (over: Partial<AnswerCriterion> = {}): AnswerCriterion => ({ kind: 'answer', id: 'q', label: 'x x x', prompt: 'what?', compute: 'true', ignoreCase: true, near: [], ...over });

  it('accepts the value, case and spacing aside, and numerically equal numbers', () => {
    expect(judgeAnswer(q(), ' ABC123 ', 'abc123\n')).toEqual({ passed: true, message: 'Correct.' });
    expect(judgeAnswer(q(), '0.50', '0.5')?.passed).toBe(true);
    expect(judgeAnswer(q({ ignoreCase: false }), 'ABC', 'abc')?.passed).toBe(false);
    expect(judgeAnswer(q(), '`namespaces`', 'namespaces')?.passed).toBe(true);
    expect(judgeAnswer(q(), '"namespaces"', 'namespaces')?.passed).toBe(true);
    expect(judgeAnswer(q(), '"namespaces', 'namespaces')?.passed).toBe(false);
  });

  it('cannot judge before the value exists', () => {
    expect(judgeAnswer(q(), 'x', '  \n')).toBeUndefined();
  });

  it('tells format from value: digits, hex length, paths', () => {
    expect(judgeAnswer(q(), '0', '1000')?.message).toBe('"0" is not it; look again.');
    expect(judgeAnswer(q(), 'ten', '10')?.message).toBe('"ten" is not in the form asked: the answer is a whole number');
    expect(judgeAnswer(q(), '00000000a80425f', '00000000a80425fb')?.message).toMatch(/only the start of it: the answer has 16 characters/);
    expect(judgeAnswer(q(), 'a80425fb00000000zz', '00000000a80425fb')?.message).toMatch(/the answer is 16 hexadecimal digits/);
    expect(judgeAnswer(q(), 'cap_chown', '0000000000000001')?.message).toMatch(/the answer is 16 hexadecimal digits/);
    expect(judgeAnswer(q(), '/sbin/docker-init', 'docker-init')?.message).toMatch(/give the name alone, without the path/);
    expect(judgeAnswer(q(), 'docker-init', '/sbin/docker-init')?.message).toMatch(/right name; give the full path/);
  });

  it('names unit and prefix mistakes', () => {
    expect(judgeAnswer(q(), '64m', '67108864')?.message).toMatch(/right amount, but give it as a plain number/);
    expect(judgeAnswer(q(), '64', '67108864')?.message).toMatch(/is in MiB; the answer is in bytes/);
    expect(judgeAnswer(q(), `sha256:${'a'.repeat(64)}`, 'a'.repeat(64))?.message).toMatch(/without the sha256: prefix/);
    expect(judgeAnswer(q(), 'a'.repeat(64), `sha256:${'a'.repeat(64)}`)?.message).toMatch(/with its sha256: prefix/);
  });

  it('gives the author\'s message for a near value, fixed or computed', () => {
    const crit = q({ compute: 'echo c1', near: [{ value: 'max', message: 'that is the default, not your limit' }, { compute: 'echo i1', message: 'that is the image, not the container' }] });
    const script = answerScript(crit);
    expect(script).toContain('echo i1');
    const out = `c1\n\n--bulkhead-near-value--\ni1\n`;
    expect(judgeAnswer(crit, 'c1', out)?.passed).toBe(true);
    expect(judgeAnswer(crit, 'i1', out)?.message).toBe('"i1": that is the image, not the container');
    expect(judgeAnswer(crit, 'MAX', out)?.message).toBe('"MAX": that is the default, not your limit');
    expect(answerScript(q({ compute: 'echo x' }))).toBe('echo x');
  });
});
