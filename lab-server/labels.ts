/**
 * Label names on every Docker object Bulkhead creates. Cleanup is by label only, so every object
 * carries at least LABEL_MANAGED and LABEL_INSTANCE.
 */
export const LABEL_MANAGED = 'bulkhead.managed';
/** Which lab-server deployment owns the object; the reaper only touches its own instance's objects. */
export const LABEL_INSTANCE = 'bulkhead.instance';
export const LABEL_SESSION = 'bulkhead.session';
export const LABEL_LAB = 'bulkhead.lab';
/** Epoch milliseconds after which the object may be removed whatever the server believes. */
export const LABEL_EXPIRES = 'bulkhead.expires';
/** `sandbox` for a learner shell; other roles come with the gate and the checks. */
export const LABEL_ROLE = 'bulkhead.role';
