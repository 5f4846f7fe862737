/**
 * Which engine objects are the session's, and what a learner's reference (name, id, id prefix) points
 * to. Every lookup starts from the session's label filter, so an object of another session or of the
 * lab itself is never found: it answers exactly like a missing one.
 */
import { engineJson, type SessionContext } from './context.ts';
import { encodePath } from './engine.ts';
import { learnerName, ownLabelFilters, SESSION_NETWORK_ALIAS } from './naming.ts';
import { IMAGE_REPO_PREFIX } from '../images.ts';
import { allowlisted, familiar, looksLikeImageId, parseImageRef } from './references.ts';
import { badRequest, noSuchContainer, noSuchImage, noSuchNetwork, noSuchVolume } from './refusal.ts';

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  Labels: Record<string, string> | null;
  State: string;
  [key: string]: unknown;
}

export interface OwnContainer { id: string; engineName: string; name: string; summary: ContainerSummary }

export function labelFilter(ctx: SessionContext, extra: Record<string, string[]> = {}): string {
  const filters: Record<string, string[]> = { ...extra, label: [...(extra.label ?? []), ...ownLabelFilters(ctx.id)] };
  return JSON.stringify(filters);
}

export async function ownContainers(ctx: SessionContext, extra: Record<string, string[]> = {}, size = false): Promise<ContainerSummary[]> {
  return engineJson<ContainerSummary[]>(ctx, {
    method: 'GET', path: '/containers/json', query: { all: '1', filters: labelFilter(ctx, extra), ...(size ? { size: '1' } : {}) },
  });
}

/** Exact id, then exact name, then unique id prefix: the engine's own order. */
function pick<T>(items: readonly T[], ref: string, id: (t: T) => string, names: (t: T) => string[]): T | undefined {
  const exactId = items.find((t) => id(t) === ref);
  if (exactId) return exactId;
  const byName = items.find((t) => names(t).includes(ref));
  if (byName) return byName;
  if (!/^[0-9a-f]{1,64}$/.test(ref)) return undefined;
  const prefixed = items.filter((t) => id(t).startsWith(ref));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

export async function resolveContainer(ctx: SessionContext, ref: string): Promise<OwnContainer> {
  if (ref.length === 0 || ref.length > 128) throw noSuchContainer(ref);
  const bare = ref.startsWith('/') ? ref.slice(1) : ref;
  const containers = await ownContainers(ctx);
  const found = pick(containers, bare, (c) => c.Id, (c) => c.Names.map((n) => learnerName(ctx.id, n) ?? '\0'));
  if (!found) throw noSuchContainer(ref);
  const engineName = (found.Names[0] ?? '').replace(/^\//, '');
  return { id: found.Id, engineName, name: learnerName(ctx.id, engineName) ?? found.Id.slice(0, 12), summary: found };
}

export interface NetworkSummary { Id: string; Name: string; Labels?: Record<string, string> | null; [key: string]: unknown }
export interface OwnNetwork { id: string; engineName: string; name: string; summary: NetworkSummary; isSession: boolean }

export async function ownNetworks(ctx: SessionContext): Promise<OwnNetwork[]> {
  const created = await engineJson<NetworkSummary[]>(ctx, { method: 'GET', path: '/networks', query: { filters: labelFilter(ctx) } });
  const session = await engineJson<NetworkSummary>(ctx, { method: 'GET', path: encodePath('networks', ctx.id.sessionNetwork) });
  const own = created
    .filter((n) => n.Id !== session.Id && learnerName(ctx.id, n.Name) !== undefined)
    .map((n) => ({ id: n.Id, engineName: n.Name, name: learnerName(ctx.id, n.Name)!, summary: n, isSession: false }));
  return [{ id: session.Id, engineName: session.Name, name: SESSION_NETWORK_ALIAS, summary: session, isSession: true }, ...own];
}

export async function resolveNetwork(ctx: SessionContext, ref: string): Promise<OwnNetwork> {
  if (ref.length === 0 || ref.length > 128) throw noSuchNetwork(ref);
  const found = pick(await ownNetworks(ctx), ref, (n) => n.id, (n) => [n.name]);
  if (!found) throw noSuchNetwork(ref);
  return found;
}

export interface VolumeSummary { Name: string; Labels?: Record<string, string> | null; [key: string]: unknown }

export async function ownVolumes(ctx: SessionContext): Promise<VolumeSummary[]> {
  const res = await engineJson<{ Volumes: VolumeSummary[] | null }>(ctx, { method: 'GET', path: '/volumes', query: { filters: labelFilter(ctx) } });
  return (res.Volumes ?? []).filter((v) => learnerName(ctx.id, v.Name) !== undefined);
}

export async function resolveVolume(ctx: SessionContext, ref: string): Promise<VolumeSummary> {
  const found = (await ownVolumes(ctx)).find((v) => learnerName(ctx.id, v.Name) === ref);
  if (!found) throw noSuchVolume(ref);
  return found;
}

export interface ImageSummary { Id: string; RepoTags: string[] | null; RepoDigests?: string[] | null; Labels?: Record<string, string> | null; [key: string]: unknown }

export interface VisibleImage {
  summary: ImageSummary;
  /** Tags as the learner sees them. */
  tags: string[];
  /** Engine-side tags in the session's namespace. */
  ownTags: string[];
}

/** How a learner-visible tag is spelled in the engine, for a tag in the session's namespace. */
export function ownImageTag(ctx: SessionContext, learnerRef: string): string {
  const ref = parseImageRef(learnerRef);
  if (ref.digest) throw badRequest('image digests cannot be used to name your own images.');
  if (ref.repo.startsWith(IMAGE_REPO_PREFIX) || ref.repo.includes(':') || ref.repo.split('/')[0]!.includes('.')) {
    throw badRequest(`the image name ${JSON.stringify(learnerRef)} is reserved for the lab's own images or names a registry; choose a plain name such as mysite:1.0.`);
  }
  return `${ctx.id.imageNamespace}/${ref.repo}:${ref.tag ?? 'latest'}`;
}

function isSharedTag(ctx: SessionContext, tag: string): boolean {
  try {
    const ref = parseImageRef(tag);
    return ref.repo.startsWith(IMAGE_REPO_PREFIX) || allowlisted(ctx.policy.imageAllowlist, tag);
  } catch {
    return false;
  }
}

export async function visibleImages(ctx: SessionContext): Promise<VisibleImage[]> {
  const all = await engineJson<ImageSummary[]>(ctx, { method: 'GET', path: '/images/json' });
  const ownPrefix = `${ctx.id.imageNamespace}/`;
  const visible: VisibleImage[] = [];
  for (const image of all) {
    const tags = image.RepoTags ?? [];
    const ownTags = tags.filter((t) => t.startsWith(ownPrefix));
    const shared = tags.filter((t) => isSharedTag(ctx, t));
    if (!ownTags.length && !shared.length) continue;
    visible.push({ summary: image, ownTags, tags: [...shared, ...ownTags.map((t) => t.slice(ownPrefix.length))] });
  }
  return visible;
}

export interface ResolvedImage { id: string; engineRef: string; own: boolean; image: VisibleImage }

/** A visible image from one inspect, without listing every image of the engine (the common case). */
async function inspectVisible(ctx: SessionContext, engineRef: string): Promise<VisibleImage | undefined> {
  const res = await ctx.engine.call({ method: 'GET', path: `/images/${encodeURIComponent(engineRef)}/json` });
  if (res.status !== 200) return undefined;
  const detail = JSON.parse(res.body.toString('utf8')) as ImageSummary & { Created?: string | number; Config?: { Labels?: Record<string, string> | null } };
  const summary: ImageSummary = {
    Id: detail.Id, RepoTags: detail.RepoTags ?? [], RepoDigests: detail.RepoDigests ?? [], Labels: detail.Config?.Labels ?? null,
    Created: typeof detail.Created === 'string' ? Math.floor(Date.parse(detail.Created) / 1000) : detail.Created,
  };
  const ownPrefix = `${ctx.id.imageNamespace}/`;
  const tags = summary.RepoTags ?? [];
  const ownTags = tags.filter((t) => t.startsWith(ownPrefix));
  const shared = tags.filter((t) => isSharedTag(ctx, t));
  return { summary, ownTags, tags: [...shared, ...ownTags.map((t) => t.slice(ownPrefix.length))] };
}

/** The session's own tag first, then the lab catalog and the allowlist; ids only of visible images. */
export async function resolveImage(ctx: SessionContext, raw: string): Promise<ResolvedImage> {
  if (looksLikeImageId(raw)) {
    const images = await visibleImages(ctx);
    const hex = raw.replace(/^sha256:/, '');
    const matches = images.filter((i) => i.summary.Id.replace(/^sha256:/, '').startsWith(hex));
    if (matches.length === 1) return { id: matches[0]!.summary.Id, engineRef: matches[0]!.summary.Id, own: matches[0]!.ownTags.length > 0, image: matches[0]! };
  }
  let ref;
  try {
    ref = parseImageRef(raw);
  } catch {
    throw noSuchImage(raw);
  }
  if (ref.digest) {
    const images = await visibleImages(ctx);
    const wanted = `${ref.repo}@${ref.digest}`;
    const match = images.find((i) => (i.summary.RepoDigests ?? []).some((d) => familiarOf(d) === wanted) && i.tags.some((t) => parseImageRef(t).repo === ref.repo));
    if (match) return { id: match.summary.Id, engineRef: match.summary.Id, own: false, image: match };
    throw noSuchImage(raw);
  }
  const wanted = familiar(ref);
  const ownEngineTag = `${ctx.id.imageNamespace}/${wanted}`;
  // Inspect by exact tag, then confirm the tag is really on the image (the engine also matches id prefixes).
  const own = await inspectVisible(ctx, ownEngineTag);
  if (own?.ownTags.includes(ownEngineTag)) return { id: own.summary.Id, engineRef: ownEngineTag, own: true, image: own };
  if (isSharedTag(ctx, wanted)) {
    const shared = await inspectVisible(ctx, wanted);
    if (shared && (shared.summary.RepoTags ?? []).some((t) => familiarOf(t) === wanted)) return { id: shared.summary.Id, engineRef: wanted, own: false, image: shared };
  }
  throw noSuchImage(wanted);
}

function familiarOf(engineRef: string): string {
  try {
    const ref = parseImageRef(engineRef);
    return ref.digest && ref.tag === undefined ? `${ref.repo}@${ref.digest}` : familiar(ref);
  } catch {
    return engineRef;
  }
}
