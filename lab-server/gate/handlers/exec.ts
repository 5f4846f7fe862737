/**
 * `docker exec`: a process in one of the session's containers, tracked by the exec ids this session
 * created (another session's exec id answers like a missing one). The same user rules as `docker run`
 * apply (container/user.ts): a numeric non-root uid unless the lesson allows root, checked against the
 * container's own user when none is given, and no working directory under /proc or /sys. `--privileged`
 * is refused: a privileged exec gets every capability, whatever the container was started with.
 */
import { engineJson, type SessionContext } from '../context.ts';
import { encodePath } from '../engine.ts';
import { bool, checkKeys, isConsoleSize, requireObject, str, strList } from '../fields.ts';
import { badRequest, forbidden, noSuchExec } from '../refusal.ts';
import { checkQuery, empty, intParam, json, type GateReply, type GateRequest } from '../reply.ts';
import { rewriteValue } from '../rewrite.ts';
import { resolveContainer } from '../tenancy.ts';
import { checkUser, checkWorkingDir } from '../container/user.ts';
import { DETACH_KEYS } from './common.ts';

const EXEC_KEYS = ['Detach', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ConsoleSize', 'DetachKeys', 'Tty', 'Env', 'Cmd', 'Privileged', 'User', 'WorkingDir'];

export async function create(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const body = requireObject(req.json ?? null, 'the exec config');
  checkKeys(body, EXEC_KEYS, 'the exec config');
  const W = 'ExecConfig';
  if (bool(body, 'Privileged', W)) throw forbidden('docker exec --privileged', 'a privileged exec gets every capability in the container, whatever it was started with', 'capabilities');
  const cmd = strList(body, 'Cmd', W);
  if (!cmd?.length) throw badRequest('No exec command specified');
  const c = await resolveContainer(ctx, req.route.ref!);
  const detail = await engineJson<{ Config?: { User?: string } }>(ctx, { method: 'GET', path: encodePath('containers', c.id, 'json') });
  const user = str(body, 'User', W);
  checkUser(user, detail.Config?.User ?? '', ctx.policy, 'docker exec');
  const workingDir = str(body, 'WorkingDir', W);
  checkWorkingDir(workingDir, 'the exec\'s');
  const detachKeys = str(body, 'DetachKeys', W);
  if (!DETACH_KEYS.test(detachKeys)) throw badRequest('invalid detach keys.');
  const out: Record<string, unknown> = {
    AttachStdin: bool(body, 'AttachStdin', W), AttachStdout: bool(body, 'AttachStdout', W), AttachStderr: bool(body, 'AttachStderr', W),
    Tty: bool(body, 'Tty', W), Cmd: cmd, Privileged: false,
  };
  const env = strList(body, 'Env', W);
  if (env) out.Env = env;
  if (user) out.User = user;
  if (workingDir) out.WorkingDir = workingDir;
  if (detachKeys) out.DetachKeys = detachKeys;
  // An unusable console size is dropped, not refused: it only sizes the terminal.
  if (isConsoleSize(body.ConsoleSize)) out.ConsoleSize = body.ConsoleSize;
  const created = await engineJson<{ Id: string }>(ctx, { method: 'POST', path: encodePath('containers', c.id, 'exec'), body: out });
  ctx.execs.set(created.Id, c.id);
  return json({ Id: created.Id }, 201);
}

function ownExec(ctx: SessionContext, ref: string): string {
  if (!ctx.execs.has(ref)) throw noSuchExec(ref);
  return ref;
}

export async function start(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const id = ownExec(ctx, req.route.ref!);
  const body = req.json === undefined ? ({} as Record<string, never>) : requireObject(req.json, 'the exec start config');
  checkKeys(body, ['Detach', 'Tty', 'ConsoleSize'], 'the exec start config');
  const detach = bool(body, 'Detach', 'ExecStart');
  const out: Record<string, unknown> = { Detach: detach, Tty: bool(body, 'Tty', 'ExecStart') };
  if (isConsoleSize(body.ConsoleSize)) out.ConsoleSize = body.ConsoleSize;
  const call = { method: 'POST' as const, path: encodePath('exec', id, 'start'), body: out };
  if (detach) {
    await engineJson(ctx, call);
    return empty(200);
  }
  return { kind: 'upgrade', call };
}

export async function resize(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['h', 'w']);
  const id = ownExec(ctx, req.route.ref!);
  await engineJson(ctx, { method: 'POST', path: encodePath('exec', id, 'resize'), query: { h: intParam(req, 'h', 0, 10_000), w: intParam(req, 'w', 0, 10_000) } });
  return empty(200);
}

export async function inspect(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const id = ownExec(ctx, req.route.ref!);
  return json(rewriteValue(ctx.id, await engineJson<unknown>(ctx, { method: 'GET', path: encodePath('exec', id, 'json') })));
}

