/**
 * The one label vocabulary of every Docker object Bulkhead creates, and the one function that writes it.
 * Cleanup is by label only: the reaper and the gate's cleanup select by managed, instance, session and
 * role; the expiry lets anyone remove an object whatever the server believes.
 */
export const LABEL_MANAGED = 'bulkhead.managed';
/** Which lab-server deployment owns the object; the reaper only touches its own instance's objects. */
export const LABEL_INSTANCE = 'bulkhead.instance';
export const LABEL_SESSION = 'bulkhead.session';
export const LABEL_LAB = 'bulkhead.lab';
/** Epoch milliseconds after which the object may be removed whatever the server believes. */
export const LABEL_EXPIRES = 'bulkhead.expires';
/** Who made the object and for what: see ObjectRole. */
export const LABEL_ROLE = 'bulkhead.role';

/** The learner's shell container (runtime). */
export const ROLE_SANDBOX = 'sandbox';
/** The session's internal network (runtime). */
export const ROLE_NETWORK = 'network';
/** Anything the learner made through the session's Docker gate: containers, networks, volumes, images. */
export const ROLE_LEARNER = 'learner';
export type ObjectRole = typeof ROLE_SANDBOX | typeof ROLE_NETWORK | typeof ROLE_LEARNER;

export interface ObjectOwner {
  instance: string;
  session: string;
  /** Epoch milliseconds: the session's hard expiry. */
  expiresAt: number;
  /** The lab (lesson slug), where the creator knows it. */
  lab?: string;
}

/** The labels every object carries: managed, instance, session, role, expiry, and the lab where known. */
export function objectLabels(owner: ObjectOwner, role: ObjectRole): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_INSTANCE]: owner.instance,
    [LABEL_SESSION]: owner.session,
    [LABEL_ROLE]: role,
    [LABEL_EXPIRES]: String(owner.expiresAt),
    ...(owner.lab ? { [LABEL_LAB]: owner.lab } : {}),
  };
}

/**
 * Engine `label` filters selecting an instance's objects, narrowed to a session and a role when given.
 * Expiry and lab never select: cleanup after a crash knows neither.
 */
export function ownerFilters(owner: { instance: string; session?: string; role?: ObjectRole }): string[] {
  return [
    `${LABEL_MANAGED}=true`,
    `${LABEL_INSTANCE}=${owner.instance}`,
    ...(owner.session === undefined ? [] : [`${LABEL_SESSION}=${owner.session}`]),
    ...(owner.role === undefined ? [] : [`${LABEL_ROLE}=${owner.role}`]),
  ];
}
