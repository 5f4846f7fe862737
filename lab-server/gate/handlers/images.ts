/**
 * Image endpoints. A learner sees the lab catalog (bulkhead/*), the operator's allowlist, and the images
 * they built or tagged themselves (stored under the session's namespace). Shared images cannot be
 * removed, retagged into shared names, pushed, exported or replaced by loads and imports.
 */
import { engineJson, type SessionContext } from '../context.ts';
import { encodePath } from '../engine.ts';
import { LINUX_PLATFORM } from '../fields.ts';
import { parseFilters } from '../filters.ts';
import { allowlisted, familiar, looksLikeImageId, parseImageRef } from '../references.ts';
import { badRequest, forbidden } from '../refusal.ts';
import { boolParam, checkQuery, json, type GateReply, type GateRequest } from '../reply.ts';
import { rewriteValue } from '../rewrite.ts';
import { ownImageTag, resolveImage, visibleImages, type VisibleImage } from '../tenancy.ts';
import { IMAGE_REPO_PREFIX } from '../../images.ts';
import { checkQuota, streamFrom } from './common.ts';

function globMatch(pattern: string, value: string): boolean {
  if (pattern.length > 255) return false;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('[^/]*')}$`);
  return re.test(value);
}

function shownSummary(ctx: SessionContext, image: VisibleImage): unknown {
  const repos = new Set(image.tags.map((t) => { try { return parseImageRef(t).repo; } catch { return ''; } }));
  const digests = (image.summary.RepoDigests ?? []).filter((d) => { try { return repos.has(parseImageRef(d).repo); } catch { return false; } });
  return rewriteValue(ctx.id, { ...image.summary, RepoTags: image.tags, RepoDigests: digests });
}

export async function list(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['all', 'filters', 'digests', 'shared-size', 'manifests']);
  const filters = parseFilters(req.query.get('filters'), ['reference', 'dangling', 'label', 'before', 'since']);
  if (filters.get('dangling')?.some((v) => ['true', '1'].includes(v))) return json([]);
  const images = await visibleImages(ctx);
  const created = async (key: string) => { const ref = filters.get(key)?.[0]; return ref === undefined ? undefined : Number((await resolveImage(ctx, ref)).image.summary.Created); };
  const before = await created('before');
  const since = await created('since');
  const out = images.filter((image) => {
    const labels = image.summary.Labels ?? {};
    const when = Number(image.summary.Created);
    return (filters.get('reference')?.some((p) => image.tags.some((t) => {
      const ref = parseImageRef(t);
      return globMatch(p, familiar(ref)) || globMatch(p, ref.repo) || globMatch(p, `${ref.repo}:${ref.tag ?? 'latest'}`.replace(/:latest$/, ''));
    })) ?? true)
      && (filters.get('label')?.every((v) => { const [k = '', val] = v.split('='); return val === undefined ? k in labels : labels[k] === val; }) ?? true)
      && (before === undefined || when < before) && (since === undefined || when > since);
  });
  return json(out.map((image) => shownSummary(ctx, image)));
}

export async function inspect(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['manifests']);
  const image = await resolveImage(ctx, req.route.ref!);
  const detail = await engineJson<Record<string, unknown>>(ctx, { method: 'GET', path: encodePath('images', image.id, 'json') });
  const shown = shownSummary(ctx, image.image) as { RepoTags: string[]; RepoDigests: string[] };
  return json(rewriteValue(ctx.id, { ...detail, RepoTags: shown.RepoTags, RepoDigests: shown.RepoDigests }));
}

export async function history(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['platform']);
  const image = await resolveImage(ctx, req.route.ref!);
  const visible = new Set((await visibleImages(ctx)).flatMap((i) => [...i.tags, ...i.ownTags]));
  const layers = await engineJson<Array<{ Tags?: string[] | null }>>(ctx, { method: 'GET', path: encodePath('images', image.id, 'history') });
  return json(rewriteValue(ctx.id, layers.map((layer) => ({ ...layer, Tags: (layer.Tags ?? []).filter((t) => visible.has(t)) }))));
}

export async function tag(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['repo', 'tag']);
  const source = await resolveImage(ctx, req.route.ref!);
  const repo = req.query.get('repo') ?? '';
  const tagName = req.query.get('tag') || 'latest';
  if (!/^[\w][\w.-]{0,127}$/.test(tagName)) throw badRequest(`invalid tag ${JSON.stringify(tagName.slice(0, 40))}.`);
  let target: string;
  try {
    target = ownImageTag(ctx, `${repo}:${tagName}`);
  } catch (error) {
    throw forbidden(`tagging an image as ${JSON.stringify(`${repo}:${tagName}`.slice(0, 80))}`, 'lab images and registry names are shared by every learner; your own tags are plain names such as mysite:1.0. ' + (error as Error).message.replace(/^Bulkhead lab: /, ''), 'images');
  }
  const slash = target.lastIndexOf(':');
  return ctx.serialize(async () => {
    const exists = (await visibleImages(ctx)).some((i) => i.ownTags.includes(target));
    if (!exists) await checkQuota(ctx, 'images');
    await engineJson(ctx, { method: 'POST', path: encodePath('images', source.id, 'tag'), query: { repo: target.slice(0, slash), tag: target.slice(slash + 1) } });
    return { kind: 'empty', status: 201 };
  });
}

export async function remove(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['force', 'noprune']);
  const ref = req.route.ref!;
  const image = await resolveImage(ctx, ref);
  // Only the session's tags are ever removed; an id stands for every tag of the session on that image.
  const targets = image.own && !looksLikeImageId(ref) ? [image.engineRef] : image.image.ownTags;
  if (!targets.length) throw forbidden(`removing the shared image ${ref}`, 'the lab\'s images are shared by every learner on this machine', 'images');
  const results: unknown[] = [];
  for (const target of targets) {
    results.push(...await engineJson<unknown[]>(ctx, { method: 'DELETE', path: `/images/${encodeURIComponent(target)}`, query: { force: boolParam(req, 'force'), noprune: boolParam(req, 'noprune') } }));
  }
  return json(rewriteValue(ctx.id, results));
}

/** `docker pull`: allowlisted references only, and a no-op for catalog images already present. */
export async function pull(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['fromImage', 'tag', 'platform', 'fromSrc', 'repo', 'message', 'changes']);
  if (req.query.has('fromSrc')) throw forbidden('docker import', 'importing a tarball or URL as an image bypasses the lab\'s image allowlist (and a URL makes the daemon fetch it from the host)', 'images');
  const from = req.query.get('fromImage') ?? '';
  const tagName = req.query.get('tag');
  const raw = tagName && !from.includes('@') ? `${from}:${tagName}` : from;
  const ref = parseImageRef(raw);
  const wanted = familiar(ref);
  if (ref.repo.startsWith(IMAGE_REPO_PREFIX)) {
    try {
      await resolveImage(ctx, wanted);
    } catch {
      throw forbidden(`pulling ${wanted}`, `the lab's own images are built on this machine, not pulled (run \`docker images\` to see them)`, 'images');
    }
    const line = JSON.stringify({ status: `Status: Image is up to date for ${wanted}` });
    return { kind: 'bytes', status: 200, contentType: 'application/json', body: `${line}\n` };
  }
  if (!allowlisted(ctx.policy.imageAllowlist, wanted)) {
    throw forbidden(`pulling ${wanted}`, `images come from the lab's catalog and its allowlist (${ctx.policy.imageAllowlist.join(', ') || 'empty'}); an arbitrary image is unreviewed code, and a registry is a way out of the lab`, 'images');
  }
  const platform = req.query.get('platform');
  if (platform && !LINUX_PLATFORM.test(platform)) throw badRequest('invalid platform.');
  return streamFrom(ctx, { method: 'POST', path: '/images/create', query: { fromImage: ref.repo, tag: ref.digest ?? ref.tag ?? 'latest', platform: platform || undefined } }, 'application/json');
}

export function refusedImageRoute(req: GateRequest): never {
  const reasons: Record<string, [string, string]> = {
    imagePush: ['docker push', 'the lab has no registry credentials, and a push would carry your work (or a shared image) out of the lab'],
    imageExport: ['docker save', 'image tarballs are how images leave a machine; the lab keeps them in'],
    imageLoad: ['docker load', 'a loaded tarball can replace a shared lab image with anything, bypassing the allowlist'],
    imagePrune: ['docker image prune', 'pruning works on every image of the machine; remove your own images by name with docker rmi'],
    imageSearch: ['docker search', 'the lab does not reach a registry'],
  };
  const [what, why] = reasons[req.route.name] ?? ['this image operation', 'it is not part of the lab'];
  throw forbidden(what, why, 'images');
}

