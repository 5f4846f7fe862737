/** Two sessions run the same names at once, and neither sees, reaches or touches the other's objects. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueInstance } from '../helpers/docker.ts';
import { docker, instanceLeftovers, removeInstance, startGateSession, type GateSession } from '../helpers/gate.ts';

const instance = uniqueInstance('gate-tenancy');
let alice: GateSession;
let bob: GateSession;

const ok = async (s: GateSession, script: string) => {
  const result = await s.sh(script);
  expect(result.exitCode, `${script}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
};

describe('two sessions side by side', () => {
  beforeAll(async () => {
    alice = await startGateSession(instance, 'alice');
    bob = await startGateSession(instance, 'bob');
  });

  afterAll(async () => {
    await alice?.stop();
    await bob?.stop();
    await removeInstance(instance);
    expect(await instanceLeftovers(instance)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('lets both run a container named web, a network named backend and a volume named data', async () => {
    for (const [s, who] of [[alice, 'alice'], [bob, 'bob']] as const) {
      await ok(s, `docker run -d --name web -e OWNER=${who} -u 1000 debian:trixie-slim sleep 300`);
      await ok(s, 'docker network create backend && docker volume create data');
    }
    expect(await ok(alice, 'docker exec web printenv OWNER')).toBe('alice\n');
    expect(await ok(bob, 'docker exec web printenv OWNER')).toBe('bob\n');
    for (const s of [alice, bob]) {
      expect(await ok(s, 'docker ps -a --format "{{.Names}}"')).toBe('web\n');
      expect(await ok(s, 'docker network ls --format "{{.Name}}" | sort')).toBe('backend\nbridge\n');
      expect(await ok(s, 'docker volume ls --format "{{.Name}}"')).toBe('data\n');
    }
  });

  it('answers for the other session\'s objects exactly as for missing ones', async () => {
    const bobsId = (await ok(bob, 'docker inspect web --format "{{.Id}}"')).trim();
    for (const command of ['inspect', 'logs', 'stop', 'rm -f', 'exec', 'top', 'restart']) {
      const tail = command === 'exec' ? ' id' : '';
      const theirs = await alice.sh(`docker ${command} ${bobsId}${tail}`);
      const missing = await alice.sh(`docker ${command} ${'f'.repeat(64)}${tail}`);
      expect(theirs.exitCode, command).toBe(missing.exitCode);
      expect(theirs.stderr.replace(bobsId, 'ID')).toBe(missing.stderr.replace('f'.repeat(64), 'ID'));
      // `rm -f` of a missing container succeeds quietly in Docker itself; the others say so.
      if (command !== 'rm -f') expect(theirs.stderr).toMatch(/No such (container|object)/);
    }
    expect(await ok(bob, 'docker inspect web --format "{{.State.Running}}"')).toBe('true\n');
  });

  it('keeps each session\'s events to itself', async () => {
    const watch = alice.sh('timeout 5 docker events --format "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"');
    await new Promise((r) => setTimeout(r, 1_500));
    await ok(bob, 'docker run --rm --name bobs-secret -u 1000 debian:trixie-slim true');
    await ok(alice, 'docker run --rm --name alices-own -u 1000 debian:trixie-slim true');
    const events = (await watch).stdout;
    expect(events).toMatch(/container start alices-own/);
    expect(events).not.toMatch(/bobs-secret/);
  });

  it('removes only the closing session\'s objects', async () => {
    await alice.stop();
    const left = await docker.listContainers({ all: true, filters: { label: [`bulkhead.instance=${instance}`, 'bulkhead.role=learner'] } });
    expect(left.map((c) => c.Labels['bulkhead.session'])).toEqual(['bob']);
    expect(await ok(bob, 'docker ps --format "{{.Names}}"; docker volume ls -q; docker network ls --format "{{.Name}}" | sort')).toBe('web\ndata\nbackend\nbridge\n');
  });
});
