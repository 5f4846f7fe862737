/**
 * A Docker lab's session as a learner gets it, over the course's own content: the gate is reached
 * through the session's tunnel, ready before the shell, with nothing of lab-server's host mounted.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerRuntime } from '../../lab-server/runtime/docker-runtime.ts';
import type { LabServer } from '../../lab-server/main.ts';
import { leftovers } from '../helpers/docker.ts';
import { startTestServer } from '../helpers/lab-server.ts';
import { TerminalClient } from '../helpers/terminal-client.ts';

const COURSE = fileURLToPath(new URL('../../content/', import.meta.url));

let lab: LabServer;
let runtime: DockerRuntime;
let instance: string;
let base: string;

beforeAll(async () => {
  ({ server: lab, runtime, instance, base } = await startTestServer('gate-session', { env: { CONTENT_DIR: COURSE } }));
});

afterAll(async () => {
  await lab?.close();
  expect(await leftovers(runtime, instance)).toBe(0);
});

describe('a Docker lab session', () => {
  it('answers the first command of a new shell from the gate, typed before the first prompt', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const client = await TerminalClient.connect({ base, lab: 'inspect' });
      // No wait for the prompt: the keys go out the moment the terminal says it is ready.
      await client.ready();
      // The failure marker is spelled in two parts so that the shell's echo of the line does not match it.
      client.type(`docker version --format 'first={{.Server.Version}}' || echo "no-""gate"\r`);
      await client.waitForText(/first=\d+\.\d+|no-gate/, 30_000);
      const text = client.text();
      expect(text).not.toMatch(/no-gate|Cannot connect to the Docker daemon/);
      expect(text).toMatch(/first=\d+\.\d+/);
      await client.close();
    }
  });

  it('mounts nothing of lab-server\'s host into the sandbox, and serves the socket from a tmpfs of the learner\'s', async () => {
    const client = await TerminalClient.connect({ base, lab: 'inspect' });
    const { session } = await client.ready();
    const [sandbox] = await runtime.docker.listContainers({ filters: { label: [`bulkhead.instance=${instance}`, `bulkhead.session=${session}`, 'bulkhead.role=sandbox'] } });
    const inspected = await runtime.docker.getContainer(sandbox!.Id).inspect();
    expect(inspected.Mounts.filter((m) => m.Type === 'bind')).toEqual([]);
    expect(inspected.HostConfig.Binds ?? []).toEqual([]);
    expect(Object.keys(inspected.HostConfig.Tmpfs ?? {})).toContain('/run/docker-gate');
    await client.prompt();
    client.type(`stat -c 'sock=%F %a %u' /run/docker-gate/docker.sock; ps -eo user,args | grep -c '^learner *bulkhead-gate'\r`);
    await client.waitForText(/sock=socket 600 1000\s+1\s/);
    await client.close();
  });

  it('starts the relay again when the learner kills it, and docker works again', async () => {
    const client = await TerminalClient.connect({ base, lab: 'inspect' });
    await client.prompt();
    client.type(`pkill -x bulkhead-gate; sleep 0.1; docker ps >/dev/null 2>&1; echo "during=$?"\r`);
    await client.waitForText(/during=\d/);
    client.type(`for i in $(seq 50); do docker ps >/dev/null 2>&1 && break; sleep 0.2; done; docker ps --format 'after={{.ID}}' ; echo "after=$?"\r`);
    await client.waitForText(/after=0/, 20_000);
    await client.close();
  });
});
