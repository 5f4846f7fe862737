/**
 * How a session's objects are named in the engine. A learner's `web` is `bh-<hash>-web` there, and an
 * image they build as `mysite:1.0` is `bh-<hash>/mysite:1.0`, so every learner can follow the lessons'
 * commands at the same time. The hash is of instance and session, fixed length, so stripping it back is
 * unambiguous. Ownership is still decided by labels (and, for image tags, by the namespace).
 */
import { createHash } from 'node:crypto';
import { LABEL_EXPIRES, LABEL_LAB, objectLabels, ownerFilters, ROLE_LEARNER } from '../labels.ts';
import { badRequest } from './refusal.ts';

export { ROLE_LEARNER };
/**
 * On a container made from one of the session's own images: the reference the learner typed. The
 * container is created from the image id (so a concurrent rebuild cannot swap the checked image), and
 * `ps`/`inspect` show this reference instead of the id.
 */
export const LABEL_LEARNER_IMAGE = 'bulkhead.learner-image';
const HASH_HEX_CHARS = 10;
/** Docker's own rule for container, network and volume names. */
const OBJECT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
/** Names that mean something to the engine or that the lab shows for its own network. */
const RESERVED_NETWORK_NAMES = new Set(['bridge', 'host', 'none', 'default', 'ingress', 'docker_gwbridge']);

export interface SessionIdentity {
  instance: string;
  session: string;
  /** `bh-<hash>-`: the engine-side name prefix of containers, networks and volumes. */
  namePrefix: string;
  /** `bh-<hash>`: the repository namespace of images the session builds or tags. */
  imageNamespace: string;
  /** The session network's engine name, shown to the learner as `bridge`. */
  sessionNetwork: string;
  /** The session's hard expiry (epoch ms), written on everything the gate creates; unknown to a cleanup after a crash. */
  expiresAt?: number;
  /** The lab (lesson slug), where the gate's starter knows it. */
  lab?: string;
}

export const SESSION_NETWORK_ALIAS = 'bridge';

export function sessionIdentity(instance: string, session: string, sessionNetwork: string, owner: { expiresAt?: number; lab?: string } = {}): SessionIdentity {
  const hash = createHash('sha256').update(`${instance}\0${session}`).digest('hex').slice(0, HASH_HEX_CHARS);
  return {
    instance, session, namePrefix: `bh-${hash}-`, imageNamespace: `bh-${hash}`, sessionNetwork,
    ...(owner.expiresAt === undefined ? {} : { expiresAt: owner.expiresAt }), ...(owner.lab ? { lab: owner.lab } : {}),
  };
}

/**
 * The labels every object the gate creates carries (labels.ts's vocabulary, role `learner`). Ownership
 * is decided by managed, instance, session and role; expiry and lab only describe.
 */
export function ownLabels(id: SessionIdentity): Record<string, string> {
  const labels = objectLabels({ instance: id.instance, session: id.session, expiresAt: id.expiresAt ?? 0, lab: id.lab }, ROLE_LEARNER);
  // An identity without a known expiry (a cleanup) must not stamp "expired at 0" on anything.
  if (id.expiresAt === undefined) delete labels[LABEL_EXPIRES];
  if (!id.lab) delete labels[LABEL_LAB];
  return labels;
}

/** Engine list filters selecting exactly the session's learner objects, whatever their expiry. */
export function ownLabelFilters(id: SessionIdentity): string[] {
  return ownerFilters({ instance: id.instance, session: id.session, role: ROLE_LEARNER });
}

export function hasOwnLabels(id: SessionIdentity, labels: unknown): boolean {
  if (typeof labels !== 'object' || labels === null) return false;
  const map = labels as Record<string, unknown>;
  return ownLabelFilters(id).every((filter) => {
    const at = filter.indexOf('=');
    return map[filter.slice(0, at)] === filter.slice(at + 1);
  });
}

export function isReservedLabel(key: string): boolean {
  return key.toLowerCase().startsWith('bulkhead.');
}

export function checkObjectName(name: string, kind: string): void {
  if (!OBJECT_NAME.test(name)) {
    throw badRequest(`Invalid ${kind} name (${JSON.stringify(name.slice(0, 80))}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at most 64 characters.`);
  }
}

export function engineName(id: SessionIdentity, learnerName: string, kind: string): string {
  checkObjectName(learnerName, kind);
  if (kind === 'network' && RESERVED_NETWORK_NAMES.has(learnerName)) {
    throw badRequest(`the network name "${learnerName}" is reserved; choose another name.`);
  }
  return `${id.namePrefix}${learnerName}`;
}

/** The learner's name for an engine-side name, or undefined when it is not one of the session's. */
export function learnerName(id: SessionIdentity, engine: string): string | undefined {
  const bare = engine.startsWith('/') ? engine.slice(1) : engine;
  return bare.startsWith(id.namePrefix) ? bare.slice(id.namePrefix.length) : undefined;
}

/**
 * Rewrites every engine-side name in a string for the learner: the name prefix disappears, the image
 * namespace disappears, the session network becomes `bridge`. Used on JSON values and error messages.
 */
export function toLearnerText(id: SessionIdentity, text: string): string {
  return text.split(id.sessionNetwork).join(SESSION_NETWORK_ALIAS)
    .split(`${id.imageNamespace}/`).join('').split(id.namePrefix).join('');
}
