/**
 * Removes everything a session made, by label and by the session's image namespace: containers (with
 * their anonymous volumes), networks, volumes, images. Used by DockerGate.close() and by the reaper
 * after a crash, so it needs nothing but the one engine client and the session's identity; it selects
 * by the ownership labels (labels.ts), never by expiry, which a cleanup after a crash does not know.
 */
import { EngineError, encodePath, type EngineClient } from './engine.ts';
import { ownLabelFilters, sessionIdentity } from './naming.ts';

export interface RemovedObjects { containers: number; networks: number; volumes: number; images: number }

async function list<T>(engine: EngineClient, path: string, query: Record<string, string>): Promise<T> {
  const res = await engine.call({ method: 'GET', path, query });
  if (res.status >= 400) throw new EngineError(`Docker Engine refused to list ${path} for the gate's cleanup: ${res.status} ${res.body.toString().slice(0, 200)}`);
  return JSON.parse(res.body.toString()) as T;
}

/** 404 (already gone) and 409 (in use by someone else's object, or removal in progress) count as done. */
async function remove(engine: EngineClient, path: string, query: Record<string, string> = {}): Promise<boolean> {
  const res = await engine.call({ method: 'DELETE', path, query });
  if (res.status < 300) return true;
  if (res.status === 404 || res.status === 409) return false;
  throw new EngineError(`Docker Engine refused to remove ${path} for the gate's cleanup: ${res.status} ${res.body.toString().slice(0, 200)}`);
}

export async function removeSessionObjects(engine: EngineClient, instance: string, session: string, extraImageIds: Iterable<string> = []): Promise<RemovedObjects> {
  const id = sessionIdentity(instance, session, '');
  const filters = JSON.stringify({ label: ownLabelFilters(id) });
  const removed: RemovedObjects = { containers: 0, networks: 0, volumes: 0, images: 0 };

  const containers = await list<Array<{ Id: string }>>(engine, '/containers/json', { all: '1', filters });
  for (const c of containers) if (await remove(engine, encodePath('containers', c.Id), { force: '1', v: '1' })) removed.containers++;

  const networks = await list<Array<{ Id: string; Name: string }>>(engine, '/networks', { filters });
  // The session network belongs to the lead's runtime: only networks under the session's name prefix are the gate's.
  for (const n of networks.filter((n) => n.Name.startsWith(id.namePrefix))) {
    // The learner's terminal joins every network the session creates; it leaves first, or the removal fails.
    const detail = await list<{ Containers?: Record<string, unknown> | null }>(engine, encodePath('networks', n.Id), {});
    for (const container of Object.keys(detail.Containers ?? {})) {
      await engine.call({ method: 'POST', path: encodePath('networks', n.Id, 'disconnect'), body: { Container: container, Force: true } });
    }
    if (await remove(engine, encodePath('networks', n.Id))) removed.networks++;
  }

  const volumes = await list<{ Volumes: Array<{ Name: string }> | null }>(engine, '/volumes', { filters });
  for (const v of (volumes.Volumes ?? []).filter((v) => v.Name.startsWith(id.namePrefix))) if (await remove(engine, encodePath('volumes', v.Name), { force: '1' })) removed.volumes++;

  const images = await list<Array<{ Id: string; RepoTags: string[] | null }>>(engine, '/images/json', { all: '1' });
  for (const image of images) {
    for (const tag of (image.RepoTags ?? []).filter((t) => t.startsWith(`${id.imageNamespace}/`))) {
      if (await remove(engine, `/images/${encodeURIComponent(tag)}`)) removed.images++;
    }
  }
  // Final images of builds carry the session's labels; intermediate ones are known only to the live gate.
  const labelled = await list<Array<{ Id: string; RepoTags: string[] | null }>>(engine, '/images/json', { all: '1', filters });
  const candidates = [...labelled.map((i) => i.Id), ...extraImageIds];
  for (const imageId of candidates) {
    const res = await engine.call({ method: 'GET', path: encodePath('images', imageId, 'json') });
    if (res.status !== 200) continue;
    const detail = JSON.parse(res.body.toString()) as { Id: string; RepoTags?: string[] | null };
    // Only images nobody tagged: a shared image (or another session's) always has a tag.
    if ((detail.RepoTags ?? []).length === 0 && await remove(engine, encodePath('images', detail.Id))) removed.images++;
  }
  return removed;
}
