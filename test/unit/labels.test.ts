import { describe, expect, it } from 'vitest';
import { hasOwnLabels, ownLabelFilters, ownLabels, sessionIdentity } from '../../lab-server/gate/naming.ts';
import { objectLabels, ownerFilters, ROLE_LEARNER, ROLE_SANDBOX } from '../../lab-server/labels.ts';
import { sandboxCreateOptions } from '../../lab-server/runtime/hardening.ts';

const LIMITS = { memoryBytes: 1, nanoCpus: 1, pidsLimit: 16, tmpfsBytes: 1, nofile: 64 };

describe('the label vocabulary', () => {
  it('writes managed, instance, session, role and expiry on every object, and the lab where known', () => {
    expect(objectLabels({ instance: 'i', session: 's', expiresAt: 1_700_000_000_000, lab: 'first-container' }, ROLE_SANDBOX)).toEqual({
      'bulkhead.managed': 'true', 'bulkhead.instance': 'i', 'bulkhead.session': 's', 'bulkhead.role': 'sandbox',
      'bulkhead.expires': '1700000000000', 'bulkhead.lab': 'first-container',
    });
    expect(objectLabels({ instance: 'i', session: 's', expiresAt: 5 }, ROLE_LEARNER)).not.toHaveProperty(['bulkhead.lab']);
  });

  it('gives the sandbox and the gate\'s objects the same labels but the role', () => {
    const sandbox = sandboxCreateOptions({ session: 's', lab: 'l', image: 'x', expiresAt: 42 }, LIMITS, 'i').Labels;
    const gate = ownLabels(sessionIdentity('i', 's', 'net', { expiresAt: 42, lab: 'l' }));
    expect({ ...sandbox, 'bulkhead.role': 'learner' }).toEqual(gate);
  });

  it('selects by ownership, never by expiry, so a cleanup after a crash finds what a live gate made', () => {
    const live = sessionIdentity('i', 's', 'net', { expiresAt: 42 });
    const afterCrash = sessionIdentity('i', 's', '');
    expect(ownLabels(afterCrash)).not.toHaveProperty(['bulkhead.expires']);
    expect(ownLabelFilters(afterCrash)).toEqual(ownerFilters({ instance: 'i', session: 's', role: ROLE_LEARNER }));
    expect(ownLabelFilters(afterCrash).some((f) => f.startsWith('bulkhead.expires'))).toBe(false);
    expect(hasOwnLabels(afterCrash, ownLabels(live))).toBe(true);
    expect(hasOwnLabels(live, { ...ownLabels(live), 'bulkhead.session': 'other' })).toBe(false);
    expect(hasOwnLabels(live, { ...ownLabels(live), 'bulkhead.role': ROLE_SANDBOX })).toBe(false);
  });
});
