/** Helpers shared by the handlers: quotas, the session's lookups, volume auto-creation, stream content types. */
import type { IncomingHttpHeaders } from 'node:http';
import { engineFailure, engineJson, type SessionContext } from '../context.ts';
import { engineName, ownLabels } from '../naming.ts';
import { quota } from '../refusal.ts';
import type { GateReply } from '../reply.ts';
import type { EngineCall } from '../engine.ts';
import { ownContainers, ownNetworks, ownVolumes, resolveContainer, resolveNetwork, visibleImages } from '../tenancy.ts';
import type { CreateLookups } from '../container/lookups.ts';

export async function checkQuota(ctx: SessionContext, kind: 'containers' | 'networks' | 'volumes' | 'images'): Promise<void> {
  const counts = {
    containers: async () => (await ownContainers(ctx)).length,
    networks: async () => (await ownNetworks(ctx)).filter((n) => !n.isSession).length,
    volumes: async () => (await ownVolumes(ctx)).length,
    images: async () => new Set((await visibleImages(ctx)).filter((i) => i.ownTags.length).flatMap((i) => i.ownTags)).size,
  };
  const max = { containers: ctx.policy.maxContainers, networks: ctx.policy.maxNetworks, volumes: ctx.policy.maxVolumes, images: ctx.policy.maxImages }[kind];
  if ((await counts[kind]()) >= max) throw quota(kind, max);
}

/** `docker run -v data:/data` creates `data` when missing; the gate does it, labelled and counted. */
export async function ensureVolume(ctx: SessionContext, learner: string): Promise<string> {
  const name = engineName(ctx.id, learner, 'volume');
  const existing = (await ownVolumes(ctx)).find((v) => v.Name === name);
  if (existing) return name;
  await checkQuota(ctx, 'volumes');
  await engineJson(ctx, { method: 'POST', path: '/volumes/create', body: { Name: name, Driver: 'local', DriverOpts: {}, Labels: ownLabels(ctx.id) } });
  return name;
}

/** The session's containers, networks and volumes, as the container rules look them up. */
export function sessionLookups(ctx: SessionContext): Omit<CreateLookups, 'image'> {
  return {
    container: async (ref) => { const c = await resolveContainer(ctx, ref); return { id: c.id, engineName: c.engineName }; },
    network: async (ref) => { const n = await resolveNetwork(ctx, ref); return { id: n.id, engineName: n.engineName }; },
    volume: (learner) => ensureVolume(ctx, learner),
  };
}

/** Keys that detach from an attached stream (`--detach-keys`), as the engine parses them. */
export const DETACH_KEYS = /^[a-zA-Z0-9,@^_[\]\\-]{0,40}$/;

const STREAM_TYPES = ['application/vnd.docker.raw-stream', 'application/vnd.docker.multiplexed-stream', 'application/json', 'text/plain'];

export function streamType(headers: IncomingHttpHeaders, fallback: string): string {
  const type = String(headers['content-type'] ?? '').split(';')[0]!.trim();
  return STREAM_TYPES.includes(type) ? type : fallback;
}

/** Streams an engine answer to the learner; errors come back as the learner's errors. */
export async function streamFrom(
  ctx: SessionContext, call: EngineCall, fallbackType: string, lines?: (line: string) => string | undefined | Promise<string | undefined>,
): Promise<GateReply> {
  const controller = new AbortController();
  const res = await ctx.engine.stream(call, controller.signal);
  if (res.status >= 400) {
    const chunks: Buffer[] = [];
    for await (const chunk of res.stream) chunks.push(chunk as Buffer);
    throw engineFailure(ctx, res.status, Buffer.concat(chunks));
  }
  return { kind: 'stream', status: res.status, contentType: streamType(res.headers, fallbackType), stream: res.stream, lines, abort: () => controller.abort() };
}
