/**
 * PUT /containers/{id}/archive, narrowed to what Compose needs for secrets and configs given by value
 * (`environment:` or `content:` sources): small regular files under /run/secrets or /run/configs, into
 * one of the session's own containers that has not started yet. The tar is parsed and rebuilt; links,
 * devices, setuid bits and paths elsewhere are refused. Copying out (`docker cp` from a container) and
 * into running containers stays refused: those are the paths of CVE-2018-15664 and CVE-2019-14271.
 */
import { posix } from 'node:path';
import { engineFailure, engineJson, type SessionContext } from '../context.ts';
import { encodePath } from '../engine.ts';
import { badRequest, forbidden } from '../refusal.ts';
import { checkQuery, empty, type GateReply, type GateRequest } from '../reply.ts';
import { readTar, writeTar, type TarEntry } from '../tar.ts';
import { resolveContainer } from '../tenancy.ts';

const INJECT_ROOTS = ['run/secrets', 'run/configs'];
const MAX_FILE_BYTES = 64 * 1024;
const MAX_FILES = 32;
const WHY_NOT_CP = 'copying files in and out is done by the daemon as root on the host, and has been an escape route more than once (CVE-2018-15664, CVE-2019-14271); use COPY in a Dockerfile, a volume, or a Compose secret';

function underRoots(path: string): boolean {
  return INJECT_ROOTS.some((root) => path === root || path.startsWith(`${root}/`) || root.startsWith(`${path}/`) || path === 'run');
}

function cleanEntry(entry: TarEntry): TarEntry {
  const path = posix.normalize(entry.path.replace(/^\/+/, '').replace(/^(\.\/)+/, '').replace(/\/+$/, ''));
  if (!path || path === '.' || path.startsWith('..') || path.includes('\0') || !underRoots(path)) {
    throw forbidden(`copying ${JSON.stringify(entry.path.slice(0, 80))} into a container`, `only Compose secrets and configs (files under /run/secrets or /run/configs) can be placed this way; ${WHY_NOT_CP}`, 'best-practices');
  }
  if (entry.type !== 'file' && entry.type !== 'dir') throw forbidden('links in a copied archive', WHY_NOT_CP, 'best-practices');
  if (entry.type === 'file' && entry.data.length > MAX_FILE_BYTES) throw badRequest(`a secret or config larger than ${MAX_FILE_BYTES / 1024} KiB does not belong in a container's memory.`);
  // Setuid, setgid and sticky bits have no business on a secret.
  return { ...entry, path, mode: entry.mode & 0o777, linkname: '' };
}

export async function archive(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  if (req.method !== 'PUT') throw forbidden('docker cp', WHY_NOT_CP, 'threats');
  checkQuery(req, ['path', 'noOverwriteDirNonDir', 'copyUIDGID']);
  if ((req.query.get('path') ?? '/') !== '/') throw forbidden('docker cp into a container', WHY_NOT_CP, 'threats');
  const container = await resolveContainer(ctx, req.route.ref!);
  const state = await engineJson<{ State?: { Status?: string } }>(ctx, { method: 'GET', path: encodePath('containers', container.id, 'json') });
  if (state.State?.Status !== 'created') throw forbidden('copying files into a container that has started', `secrets are placed before the container starts; ${WHY_NOT_CP}`, 'best-practices');
  const entries = readTar(req.raw ?? Buffer.alloc(0), { rooted: true }).map(cleanEntry);
  if (entries.length > MAX_FILES) throw badRequest(`at most ${MAX_FILES} secret and config files per container.`);
  const res = await ctx.engine.call({
    method: 'PUT', path: encodePath('containers', container.id, 'archive'), query: { path: '/', noOverwriteDirNonDir: 'true' },
    body: writeTar(entries), contentType: 'application/x-tar',
  });
  if (res.status >= 300) throw engineFailure(ctx, res.status, res.body);
  return empty(200);
}
