/**
 * POST /containers/create (`docker run`, `docker create`, Compose): the container a learner asks for,
 * checked field by field against the session's policy and rebuilt from the checked values. Fields the
 * engine would read but the gate does not know are refused (that is how top-level HostConfig fields of
 * old API versions and case-variant keys are stopped).
 *
 * Allowed, and what the gate adds:
 * - any catalog, allowlisted or own image, as a numeric non-root user (root only where the lesson
 *   allows it), with no-new-privileges forced (container/user.ts, container/security.ts);
 * - `--cap-drop` anything, `--cap-add` from the policy's allowlist (container/security.ts);
 * - memory, CPU, pids, /dev/shm and tmpfs up to the policy's caps, the caps when unset; nofile up to
 *   4096 (container/resources.ts);
 * - named volumes and `--volumes-from` the session's containers (container/mounts.ts), sized nosuid,nodev
 *   tmpfs (container/tmpfs.ts);
 * - the session network, `none`, the session's own networks and containers, with the learner's name as
 *   alias (container/network.ts); json-file logs rotated at 1 MiB (container/host-config.ts).
 *
 * Refused, each with its reason and lesson: privileged mode, published ports, devices, sysctls, cgroup
 * escapes, DNS and host entries (container/refused.ts); host paths and bind mounts, volume drivers and
 * their options (container/mounts.ts); mounts over /proc, /sys, /dev (container/mount-target.ts);
 * seccomp, AppArmor, SELinux and /proc mask changes, host namespaces, other runtimes
 * (container/security.ts); limits above the caps, swap, negative OOM scores (container/resources.ts);
 * root users and /proc working directories (container/user.ts); `bulkhead.*` labels
 * (learner-labels.ts). The caps are the session's policy (policy.ts).
 */
import { engineJson, type SessionContext } from '../context.ts';
import { checkKeys, LINUX_PLATFORM, requireObject, str, strList } from '../fields.ts';
import { engineName, LABEL_LEARNER_IMAGE, ownLabels } from '../naming.ts';
import type { GatePolicy } from '../policy.ts';
import { badRequest } from '../refusal.ts';
import { checkQuery, json, type GateReply, type GateRequest } from '../reply.ts';
import { rewriteValue } from '../rewrite.ts';
import type { JsonObject, JsonValue } from '../strict-json.ts';
import { resolveImage } from '../tenancy.ts';
import { checkConfig, CONFIG_KEYS } from '../container/config.ts';
import { checkLogConfig, checkProcessFlags, checkRestartPolicy, hostConfigOf } from '../container/host-config.ts';
import type { CreateLookups } from '../container/lookups.ts';
import { checkStorage } from '../container/mounts.ts';
import { checkNetworking } from '../container/network.ts';
import { checkRefusedFields } from '../container/refused.ts';
import { checkResources } from '../container/resources.ts';
import { checkCaps, checkNamespaces, checkSecurityOpt } from '../container/security.ts';
import { checkQuota, sessionLookups } from './common.ts';

/**
 * The create body the engine receives, built only from checked values. `name` is the learner's
 * container name: it becomes a network alias, so `curl http://web:8080` finds the container.
 */
export async function checkContainerCreate(body: JsonValue, policy: GatePolicy, lookups: CreateLookups, name?: string): Promise<JsonObject> {
  const config = requireObject(body, 'the container config');
  checkKeys(config, CONFIG_KEYS, 'the container config');
  const imageRef = str(config, 'Image', 'Config');
  if (!imageRef) throw badRequest('Config.Image is required.');
  const out = checkConfig(config, await lookups.image(imageRef), policy);

  const hc = hostConfigOf(config);
  const H = 'HostConfig';
  checkRefusedFields(hc);
  const hostOut: JsonObject = {};
  await checkStorage(hc, hostOut, lookups, policy);
  hostOut.LogConfig = checkLogConfig(hc);
  await checkNetworking(config, hc, out, hostOut, lookups, name);
  await checkNamespaces(hc, hostOut, lookups);
  Object.assign(hostOut, checkCaps(strList(hc, 'CapAdd', H) ?? [], strList(hc, 'CapDrop', H) ?? [], policy));
  hostOut.SecurityOpt = checkSecurityOpt(strList(hc, 'SecurityOpt', H) ?? [], policy);
  checkProcessFlags(hc, hostOut);
  hostOut.RestartPolicy = checkRestartPolicy(hc);
  checkResources(hc, hostOut, policy);
  out.HostConfig = hostOut;
  return out;
}

export async function create(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['name', 'platform']);
  const name = req.query.get('name');
  const platform = req.query.get('platform');
  if (platform && !LINUX_PLATFORM.test(platform)) throw badRequest(`the platform ${JSON.stringify(platform.slice(0, 40))} is not available in the lab.`);
  return ctx.serialize(async () => {
    await checkQuota(ctx, 'containers');
    let learnerImage: string | undefined;
    const body = await checkContainerCreate(req.json ?? null, ctx.policy, {
      ...sessionLookups(ctx),
      image: async (ref) => {
        const image = await resolveImage(ctx, ref);
        const detail = await engineJson<{ Config?: { User?: string; WorkingDir?: string } }>(ctx, { method: 'GET', path: `/images/${encodeURIComponent(image.id)}/json` });
        if (image.own) learnerImage = ref;
        // The session's own tags can move (a rebuild): create from the id that was checked.
        return { engineRef: image.own ? image.id : image.engineRef, user: detail.Config?.User ?? '', workingDir: detail.Config?.WorkingDir ?? '' };
      },
    }, name || undefined);
    body.Labels = { ...(body.Labels as Record<string, string>), ...ownLabels(ctx.id), ...(learnerImage ? { [LABEL_LEARNER_IMAGE]: learnerImage } : {}) };
    const query = { name: name ? engineName(ctx.id, name, 'container') : undefined, ...(platform ? { platform } : {}) };
    const created = await engineJson<{ Id: string; Warnings?: string[] | null }>(ctx, { method: 'POST', path: '/containers/create', query, body });
    ctx.log.info('gate: container created', { session: ctx.id.session, id: created.Id.slice(0, 12), name });
    // The engine's own answer shape; its warnings (if any) are the learner's to read.
    return json(rewriteValue(ctx.id, { Id: created.Id, Warnings: created.Warnings ?? [] }), 201);
  });
}
