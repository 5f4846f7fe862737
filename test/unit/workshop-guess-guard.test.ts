import { describe, expect, it } from 'vitest';
import { GuessGuard } from '../../lab-server/workshops/guess-guard.ts';
import { WorkshopError } from '../../lab-server/workshops/model.ts';

function refused(fn: () => void): WorkshopError | undefined {
  try {
    fn();
  } catch (error) {
    return error as WorkshopError;
  }
  return undefined;
}

describe('guessing join codes', () => {
  it('allows ten wrong guesses, then refuses every attempt from that address until a token returns', () => {
    let now = 0;
    const guard = new GuessGuard(() => now);
    for (let i = 0; i < 10; i++) {
      expect(refused(() => guard.check('10.0.0.1', 'join codes'))).toBeUndefined();
      expect(refused(() => guard.failed('10.0.0.1', 'join codes'))).toBeUndefined();
    }
    const error = refused(() => guard.failed('10.0.0.1', 'join codes'));
    expect(error).toMatchObject({ status: 429, retryAfterMs: 6_000, message: 'Too many wrong join codes from your network. Wait 6 s, then try again.' });
    expect(refused(() => guard.check('10.0.0.1', 'join codes'))?.status, 'a right code is refused too').toBe(429);
    expect(refused(() => guard.check('10.0.0.2', 'join codes')), 'another address is not').toBeUndefined();
    now = 6_000;
    expect(refused(() => guard.check('10.0.0.1', 'join codes'))).toBeUndefined();
    expect(refused(() => guard.failed('10.0.0.1', 'join codes'))).toBeUndefined();
    expect(refused(() => guard.failed('10.0.0.1', 'join codes'))?.status, 'one token came back, one guess').toBe(429);
  });
});
