/**
 * The gate's Unix-socket HTTP server. Node's HTTP parser frames requests (it refuses the grossest
 * smuggling forms); this module adds the gate's own framing rules per route, bounds every body, turns
 * handler replies into HTTP, and splices upgraded connections (attach, exec) to the engine.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { bodyKind, dispatch, REFUSED_ROUTES } from './dispatch.ts';
import type { SessionContext } from './context.ts';
import { EngineError, type EngineClient } from './engine.ts';
import { badRequest, engineRefusal, errorBody, GateRefusal, outcomeOf, tooLarge, unsupported } from './refusal.ts';
import type { GateReply, GateRequest } from './reply.ts';
import { bodyFraming, compareVersions, headerValue, parseTarget } from './request.ts';
import { matchRoute } from './routes.ts';
import { parseStrictJson } from './strict-json.ts';
import { toLearnerText } from './naming.ts';
import { streamType } from './handlers/common.ts';

const MAX_JSON_BODY_BYTES = 256 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_CONNECTIONS = 64;
const HEADERS_TIMEOUT_MS = 15_000;
const MAX_LINE_BYTES = 1024 * 1024;

async function readBody(stream: NodeJS.ReadableStream, max: number, refusal: () => GateRefusal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) throw refusal();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && /^application\/json\s*(;.*)?$/i.test(value.trim());
}

/** Parses and checks everything up to the handler; shared by plain and upgrade requests. */
export function prepare(ctx: SessionContext, method: string, url: string): GateRequest {
  const target = parseTarget(method, url);
  if (target.version !== null && compareVersions(target.version, ctx.engineVersion) > 0) {
    throw badRequest(`client version ${target.version} is too new. Maximum supported API version is ${ctx.engineVersion}`);
  }
  const route = matchRoute(target.method, target.path);
  if (!route) throw unsupported(target.method, target.path);
  return { method: target.method, version: target.version ?? ctx.engineVersion, path: target.path, query: target.query, route };
}

async function readRequestBody(ctx: SessionContext, req: GateRequest, rawHeaders: string[], body: NodeJS.ReadableStream): Promise<void> {
  const kind = bodyKind(req.route.name);
  const framing = bodyFraming(rawHeaders);
  if (kind === 'none') {
    if (framing.kind === 'none') return;
    // Read and drop the body first: a client still sending (docker load, docker import) would otherwise
    // see a broken connection instead of the reason.
    const max = ctx.policy.buildContextBytesMax;
    await readBody(body, max, () => tooLarge());
    if (REFUSED_ROUTES.has(req.route.name)) return;
    throw badRequest(`${req.method} ${req.path} takes no request body; the lab's gate refuses one (the Docker Engine once read HostConfig from such bodies).`);
  }
  if (kind === 'tar') {
    const max = ctx.policy.buildContextBytesMax;
    const contextTooLarge = () => tooLarge(`the build context is larger than ${max / 1024 / 1024} MiB; add a .dockerignore (lesson "best-practices").`);
    if (framing.kind === 'length' && framing.length > max) throw contextTooLarge();
    req.raw = await readBody(body, max, contextTooLarge);
    return;
  }
  if (framing.kind === 'chunked') throw badRequest('JSON request bodies must be sent with a Content-Length, not chunked.');
  if (framing.kind === 'none') {
    if (kind === 'json') throw badRequest(`${req.method} ${req.path} needs a JSON body.`);
    return;
  }
  if (framing.length > MAX_JSON_BODY_BYTES) throw tooLarge();
  if (!isJsonContentType(headerValue(rawHeaders, 'content-type'))) throw badRequest('Content-Type specified () must be \'application/json\'');
  req.json = parseStrictJson(await readBody(body, MAX_JSON_BODY_BYTES, () => tooLarge()));
}

/** Tells the session's observer (metrics) how a request ended; `error` undefined when it was answered. */
function observe(ctx: SessionContext, req: GateRequest | undefined, error?: unknown): void {
  ctx.observe?.(req?.route.name ?? 'unmatched', outcomeOf(error));
}

function failure(ctx: SessionContext, error: unknown): { status: number; message: string } {
  if (error instanceof GateRefusal) return { status: error.status, message: error.message };
  if (error instanceof EngineError) {
    ctx.log.warn('gate: engine unreachable', { session: ctx.id.session, error: error.message });
    return { status: 502, message: 'Bulkhead lab: the Docker Engine behind the lab is not answering; try again in a moment.' };
  }
  ctx.log.warn('gate: handler failed', { session: ctx.id.session, error: error instanceof Error ? error.stack : String(error) });
  return { status: 500, message: 'Bulkhead lab: the lab\'s Docker gate failed on this request; it has been logged.' };
}

async function writeLines(reply: Extract<GateReply, { kind: 'stream' }>, res: ServerResponse): Promise<void> {
  let pending = '';
  for await (const chunk of reply.stream) {
    pending += (chunk as Buffer).toString('utf8');
    if (pending.length > MAX_LINE_BYTES) throw engineRefusal(502, `the engine sent a stream line longer than ${MAX_LINE_BYTES} bytes`);
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (!line) continue;
      const out = await reply.lines!(line);
      if (out !== undefined && !res.destroyed) res.write(`${out}\n`);
    }
  }
  if (pending.trim()) {
    const out = await reply.lines!(pending.trim());
    if (out !== undefined) res.write(`${out}\n`);
  }
}

async function send(ctx: SessionContext, reply: GateReply, res: ServerResponse, req: GateRequest): Promise<void> {
  const common = { 'Api-Version': ctx.engineVersion, Server: 'Docker/bulkhead-gate', 'Docker-Experimental': 'false', Ostype: 'linux' };
  switch (reply.kind) {
    case 'json': {
      const body = `${JSON.stringify(reply.body)}\n`;
      res.writeHead(reply.status, { ...common, ...reply.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    case 'empty':
      res.writeHead(reply.status, { ...common, ...reply.headers, 'Content-Length': 0 });
      res.end();
      return;
    case 'bytes':
      res.writeHead(reply.status, { ...common, ...reply.headers, 'Content-Type': reply.contentType, 'Content-Length': Buffer.byteLength(reply.body) });
      res.end(reply.body);
      return;
    case 'stream': {
      res.writeHead(reply.status, { ...common, 'Content-Type': reply.contentType });
      res.flushHeaders();
      res.once('close', () => { reply.abort(); reply.stream.destroy(); });
      try {
        if (reply.lines) await writeLines(reply, res);
        else for await (const chunk of reply.stream) if (!res.destroyed && !res.write(chunk)) await new Promise((r) => res.once('drain', r));
      } catch (error) {
        if (!res.destroyed) ctx.log.warn('gate: stream ended with an error', { session: ctx.id.session, error: String(error) });
      }
      res.end();
      return;
    }
    case 'upgrade':
      throw badRequest(`${req.method} ${req.path} needs a connection upgrade (Connection: Upgrade, Upgrade: tcp), as the docker CLI sends.`);
  }
}

function rawResponse(socket: Socket, status: number, message: string): void {
  const body = errorBody(message);
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : status === 403 ? 'Forbidden' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Reads a Content-Length body that follows the headers of an upgrade request; the rest is early stream data. */
async function upgradeBody(socket: Socket, head: Buffer, length: number): Promise<{ body: Buffer; rest: Buffer }> {
  let buffered = head;
  while (buffered.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (d: Buffer) => { cleanup(); resolve(d); };
      const onEnd = () => { cleanup(); resolve(null); };
      const cleanup = () => { socket.off('data', onData); socket.off('end', onEnd); socket.off('close', onEnd); socket.pause(); };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
      socket.resume();
    });
    if (chunk === null) throw badRequest('the request body ended early.');
    buffered = Buffer.concat([buffered, chunk]);
  }
  return { body: buffered.subarray(0, length), rest: buffered.subarray(length) };
}

async function handleUpgrade(ctx: SessionContext, incoming: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
  socket.on('error', () => socket.destroy());
  let req: GateRequest | undefined;
  let early: Buffer;
  try {
    req = prepare(ctx, incoming.method ?? '', incoming.url ?? '');
    if (!/^tcp$/i.test(String(incoming.headers.upgrade ?? ''))) throw badRequest('the only upgrade the gate speaks is "tcp".');
    if (req.route.name !== 'containerAttach' && req.route.name !== 'execStart') throw badRequest(`${req.method} ${req.path} cannot be upgraded.`);
    const framing = bodyFraming(incoming.rawHeaders);
    if (framing.kind === 'chunked') throw badRequest('an upgrade request body must have a Content-Length.');
    const length = framing.kind === 'length' ? framing.length : 0;
    if (length > 0 && req.route.name !== 'execStart') throw badRequest(`${req.method} ${req.path} takes no request body.`);
    if (length > MAX_JSON_BODY_BYTES) throw tooLarge();
    const { body, rest } = await upgradeBody(socket, head, length);
    early = rest;
    if (length > 0) {
      if (!isJsonContentType(headerValue(incoming.rawHeaders, 'content-type'))) throw badRequest('Content-Type specified () must be \'application/json\'');
      req.json = parseStrictJson(body);
    }
    const reply = await dispatch(ctx, req);
    observe(ctx, req);
    if (reply.kind !== 'upgrade') {
      const text = reply.kind === 'json' ? `${JSON.stringify(reply.body)}\n` : '';
      socket.end(`HTTP/1.1 ${reply.status} OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
      return;
    }
    const result = await ctx.engine.upgrade(reply.call);
    if (!result.upgraded) {
      let message = result.response.body.toString('utf8');
      try { message = (JSON.parse(message) as { message: string }).message; } catch { /* plain text */ }
      rawResponse(socket, result.response.status, toLearnerText(ctx.id, message));
      return;
    }
    const engine = result.socket;
    const contentType = streamType(result.headers, 'application/vnd.docker.raw-stream');
    socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: ${ctx.engineVersion}\r\n\r\n`);
    if (result.head.length) socket.write(result.head);
    if (early.length) engine.write(early);
    engine.on('error', () => { engine.destroy(); socket.destroy(); });
    socket.on('error', () => { engine.destroy(); });
    socket.on('close', () => engine.destroy());
    engine.on('close', () => { if (!socket.destroyed) socket.end(); });
    socket.pipe(engine);
    engine.pipe(socket);
    socket.resume();
  } catch (error) {
    observe(ctx, req, error);
    const { status, message } = failure(ctx, error);
    rawResponse(socket, status, message);
  }
}

/**
 * Connections that carried something that is not HTTP. A request already parsed from such a connection
 * (the part before the garbage) must not reach the engine after the gate answered 400 on it: its
 * handlers get an engine that refuses every further call.
 */
const refusedConnections = new WeakSet<Socket>();

function connectionEngine(engine: EngineClient, socket: Socket): EngineClient {
  const check = () => {
    if (refusedConnections.has(socket)) throw badRequest('the connection also carried a request that is not valid HTTP, so nothing it asked for is done.');
  };
  return {
    call: async (call, signal) => { check(); return engine.call(call, signal); },
    stream: async (call, signal) => { check(); return engine.stream(call, signal); },
    upgrade: async (call) => { check(); return engine.upgrade(call); },
  };
}

export function createGateServer(ctx: SessionContext): Server {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 0, keepAliveTimeout: 5_000 });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('request', (incoming: IncomingMessage, res: ServerResponse) => {
    const requestCtx: SessionContext = { ...ctx, engine: connectionEngine(ctx.engine, incoming.socket) };
    void (async () => {
      const ctx = requestCtx;
      let req: GateRequest | undefined;
      let answered = false;
      try {
        req = prepare(ctx, incoming.method ?? '', incoming.url ?? '');
        await readRequestBody(ctx, req, incoming.rawHeaders, incoming);
        const reply = await dispatch(ctx, req);
        answered = true;
        observe(ctx, req);
        await send(ctx, reply, res, req);
      } catch (error) {
        if (!answered) observe(ctx, req, error);
        const { status, message } = failure(ctx, error);
        if (res.headersSent) { res.destroy(); return; }
        const body = errorBody(message);
        res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Api-Version': ctx.engineVersion, Connection: 'close' });
        res.end(body);
        // Whatever body the client still sends is not read: close the connection after the answer.
        incoming.resume();
      }
    })();
  });
  server.on('upgrade', (incoming: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.pause();
    void handleUpgrade(ctx, incoming, socket, head);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    refusedConnections.add(socket);
    if (socket.writable) rawResponse(socket, 400, `Bulkhead lab: the request is not valid HTTP (${error.code ?? 'parse error'}).`);
    else socket.destroy();
  });
  return server;
}
