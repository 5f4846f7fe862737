import { describe, expect, it } from 'vitest';
import { httpStatusOf, LabError } from '../../lab-server/errors.ts';
import { badRequest, engineRefusal, forbidden, GateRefusal, noSuchContainer, quota, tooLarge, unsupported } from '../../lab-server/gate/refusal.ts';

describe('gate refusals', () => {
  it.each([
    ['POLICY', 403, forbidden('--privileged', 'it is root on the host', 'capabilities')],
    ['BAD_REQUEST', 400, badRequest('Config.Image is required.')],
    ['UNSUPPORTED', 403, unsupported('POST', '/swarm/init')],
    ['QUOTA', 403, quota('containers', 3)],
    ['TOO_LARGE', 413, tooLarge()],
    ['NOT_FOUND', 404, noSuchContainer('web')],
    ['ENGINE_ERROR', 409, engineRefusal(409, 'Conflict. The container name "/web" is already in use')],
  ])('%s refusals are LabErrors answering %i', (code, status, error) => {
    expect(error).toBeInstanceOf(GateRefusal);
    expect(error).toBeInstanceOf(LabError);
    expect(error).toMatchObject({ code, status, name: 'GateRefusal' });
    expect(httpStatusOf(error)).toBe(status);
  });

  it('keeps the texts the CLI prints', () => {
    expect(forbidden('--privileged', 'it is root on the host', 'capabilities').message).toBe('Bulkhead lab: --privileged is not allowed here: it is root on the host (lesson "capabilities").');
    expect(tooLarge().message).toBe('Bulkhead lab: the request body is too large.');
    expect(noSuchContainer('web').message).toBe('No such container: web');
    expect(quota('containers', 3).message).toMatch(/^Bulkhead lab: this lab allows at most 3 containers; remove one you no longer need \(`docker container rm \.\.\.`\)/);
  });
});
