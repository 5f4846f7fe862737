/**
 * One label vocabulary: what a learner makes through the gate (a container, a network, a volume) carries
 * the same managed, instance, session, role and expiry labels as the runtime's own sandbox and network, so
 * the reaper and the gate's cleanup find all of it by label.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_EXPIRES, LABEL_INSTANCE, LABEL_LAB, LABEL_MANAGED, LABEL_ROLE, LABEL_SESSION, ownerFilters, ROLE_LEARNER, ROLE_NETWORK, ROLE_SANDBOX } from '../../lab-server/labels.ts';
import { uniqueInstance } from '../helpers/docker.ts';
import { docker, instanceLeftovers, removeInstance, startGateSession, type GateSession } from '../helpers/gate.ts';

const instance = uniqueInstance('labels');
let s: GateSession;

describe('the label vocabulary on everything a session makes', () => {
  beforeAll(async () => {
    s = await startGateSession(instance, 'labelled');
  });

  afterAll(async () => {
    await s?.stop();
    await removeInstance(instance);
    expect(await instanceLeftovers(instance)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('labels the container, network and volume a learner makes through the gate with session, instance, role and expiry', async () => {
    const made = await s.sh('docker network create mynet && docker volume create myvol && docker run -d --name app --network mynet -v myvol:/data -u 1000 debian:trixie-slim sleep 300');
    expect(made.exitCode, `${made.stdout}\n${made.stderr}`).toBe(0);
    const expected = {
      [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: instance, [LABEL_SESSION]: s.session, [LABEL_ROLE]: ROLE_LEARNER,
      [LABEL_EXPIRES]: String(s.expiresAt), [LABEL_LAB]: 'gate-test',
    };
    const filters = { label: ownerFilters({ instance, session: s.session, role: ROLE_LEARNER }) };
    const containers = await docker.listContainers({ all: true, filters });
    const networks = await docker.listNetworks({ filters });
    const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
    expect(containers.map((c) => c.Names[0])).toEqual([expect.stringMatching(/-app$/)]);
    expect(networks.map((n) => n.Name)).toEqual([expect.stringMatching(/-mynet$/)]);
    expect(volumes.map((v) => v.Name)).toEqual([expect.stringMatching(/-myvol$/)]);
    for (const labels of [containers[0]!.Labels, networks[0]!.Labels, volumes[0]!.Labels]) expect(labels).toMatchObject(expected);
    expect(Number(expected[LABEL_EXPIRES])).toBeGreaterThan(Date.now());
  });

  it('labels the runtime\'s sandbox and session network with the same vocabulary, only the role differs', async () => {
    const sandbox = await docker.getContainer(s.sandboxId).inspect();
    const network = await docker.getNetwork(s.network).inspect() as { Labels: Record<string, string> };
    const common = { [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: instance, [LABEL_SESSION]: s.session, [LABEL_EXPIRES]: String(s.expiresAt), [LABEL_LAB]: 'gate-test' };
    expect(sandbox.Config.Labels).toMatchObject({ ...common, [LABEL_ROLE]: ROLE_SANDBOX });
    expect(network.Labels).toMatchObject({ ...common, [LABEL_ROLE]: ROLE_NETWORK });
  });

  it('removes the learner\'s objects by those labels when the gate closes', async () => {
    await s.gate.close();
    const filters = { label: ownerFilters({ instance, session: s.session, role: ROLE_LEARNER }) };
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  });
});
