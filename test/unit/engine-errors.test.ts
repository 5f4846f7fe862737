import { describe, expect, it } from 'vitest';
import { EngineUnavailableError } from '../../lab-server/errors.ts';

describe('an unreachable engine', () => {
  it('says how to fix a socket this user may not open, which is not an engine that is down', () => {
    const denied = new EngineUnavailableError('GET /_ping: EACCES', { where: 'unix:///var/run/docker.sock' });
    expect(denied.message).toMatch(/^Docker Engine not reachable at unix:\/\/\/var\/run\/docker\.sock \(GET \/_ping: EACCES\): this user \(uid \d+\) may not open the engine's socket/);
    expect(denied.message).toContain('DOCKER_GID');
    expect(denied.message).not.toContain('systemctl start docker');
    const down = new EngineUnavailableError('ENOENT', { where: 'unix:///var/run/docker.sock' });
    expect(down.message).toContain('systemctl start docker');
    expect(down.message).not.toContain('DOCKER_GID');
  });
});
