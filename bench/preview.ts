/**
 * `node bench/preview.ts [--quick] [--json]`, or `measurePreview` from bench/run.ts: what the port
 * preview adds to a request, and what a flood of preview requests does to a terminal.
 *
 * One lab-server process (as `npm start` runs it), one learner session with the fixture lab `other`, and
 * the lessons' nginx (`bulkhead/web`) started in that session as the Docker gate would start it. Then,
 * interleaved, the same GET of nginx's page directly from the host to the container's address and
 * through the preview (Host `p8080-<id>.localhost`, with the preview cookie), each over one kept-alive
 * connection as a browser tab would hold it, one pair every 25 ms. `preview_ms_p50` is the median
 * through the preview; the added latency is its difference from the direct median. Then the terminal's
 * echo round trip, idle and while the same learner floods the preview from 16 connections, bounded in time.
 */
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { imageRefs } from '../lab-server/images.ts';
import { objectLabels, ROLE_LEARNER } from '../lab-server/labels.ts';
import { decodeBinary, OP_OUTPUT } from '../src/lib/protocol.ts';
import { testRuntime } from '../test/helpers/docker.ts';
import { TerminalClient } from '../test/helpers/terminal-client.ts';
import { onCleanup, runCleanups } from './lib/cleanup.ts';
import { RUN_ID } from './lib/docker.ts';
import { FIXTURE_CONTENT, MAIN_ENTRY, spawnLabServer } from './lib/lab-server-process.ts';
import { progress, sleep, waitUntil } from './lib/progress.ts';
import { percentile, round } from './lib/stats.ts';

const WARMUP = 50;
const FLOOD_CONNECTIONS = 16;
const FLOOD_MAX_MS = 30_000;
const FLOOD_WARMUP_MS = 3_000;
const WEB_PORT = 8080;
/** One pair of requests per this long: under the per-learner preview rate (50 per second), as a person's browsing is. */
const PAIR_INTERVAL_MS = 25;

interface Reply { status: number; body: string; headers: Record<string, string | string[] | undefined> }

function get(options: { host: string; port: number; path: string; headers?: Record<string, string>; agent?: Agent }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: options.host, port: options.port, path: options.path, headers: options.headers, agent: options.agent, setHost: !options.headers?.Host }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function timed(fn: () => Promise<Reply>): Promise<number> {
  const start = performance.now();
  const reply = await fn();
  if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
  return performance.now() - start;
}

/** Milliseconds from typing one character to seeing it echoed. */
function keystroke(client: TerminalClient, char: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`key ${char} not echoed within 5 s`)), 5_000);
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const frame = decodeBinary(new Uint8Array(data));
      if (frame.op !== OP_OUTPUT || !Buffer.from(frame.data).includes(char)) return;
      clearTimeout(timer);
      client.ws.off('message', onMessage);
      resolve(performance.now() - sent);
    };
    client.ws.on('message', onMessage);
    const sent = performance.now();
    client.type(char);
  });
}

async function echoRtts(client: TerminalClient, keys: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < keys; i++) {
    if (i > 0 && i % 60 === 0) client.type('\u0015');
    out.push(await keystroke(client, 'qwxz'[i % 4] as string));
  }
  client.type('\u0015');
  return out;
}

export interface PreviewFigures {
  preview_ms_p50: number;
  preview_ms_p99: number;
  direct_ms_p50: number;
  direct_ms_p99: number;
  preview_added_ms_p50: number;
  echo_rtt_ms_p50_idle: number;
  echo_rtt_ms_p50_preview_flood: number;
  echo_rtt_ms_p99_preview_flood: number;
  flood_requests_per_s: number;
  flood_answered_429_share: number;
}

/** Runs the measurement; what it starts is registered with onCleanup, for the caller's runCleanups(). */
export async function measurePreview(options: { quick: boolean }): Promise<PreviewFigures> {
  const SAMPLES = options.quick ? 300 : 2_000;
  const ECHO_KEYS = options.quick ? 50 : 200;
  const instance = `bench-preview-${RUN_ID}`;
  const runtime = testRuntime(instance);
  onCleanup(`objects of ${instance}`, () => runtime.removeAll());
  const server = await spawnLabServer(MAIN_ENTRY, { BULKHEAD_INSTANCE: instance, WARM_POOL_SIZE: '0', CONTENT_DIR: FIXTURE_CONTENT });
  const port = Number(new URL(server.url).port);
  progress(`lab-server at ${server.url}; starting a session of lab "other"`);
  const client = await TerminalClient.connect({ base: server.url, lab: 'other' });
  onCleanup('terminal', () => client.close());
  const { session, expiresAt } = await client.ready();
  await client.prompt(30_000);
  const network = `bulkhead-${instance}-${session}`;
  const web = await runtime.docker.createContainer({
    Image: (await imageRefs('web')).hashTag,
    Labels: objectLabels({ instance, session, expiresAt, lab: 'other' }, ROLE_LEARNER),
    HostConfig: { NetworkMode: network },
  });
  await web.start();
  const address = (await web.inspect()).NetworkSettings.Networks[network]?.IPAddress ?? '';

  const api = (path: string) => get({ host: '127.0.0.1', port, path, headers: { Host: `localhost:${port}`, Cookie: client.cookie } });
  let open = '';
  await waitUntil(async () => {
    const listing = JSON.parse((await api('/api/preview?lab=other')).body) as { ports: Array<{ port: number; open: string }> };
    open = listing.ports.find((p) => p.port === WEB_PORT)?.open ?? '';
    return open !== '';
  }, `nginx listening on ${WEB_PORT}`, 30_000, 500);
  const ticketUrl = new URL(String((await api(open)).headers.location));
  const redeemed = await get({ host: '127.0.0.1', port, path: `${ticketUrl.pathname}${ticketUrl.search}`, headers: { Host: ticketUrl.host } });
  const cookie = String((redeemed.headers['set-cookie'] as string[] | undefined)?.[0] ?? '').split(';')[0] ?? '';
  const previewHeaders = { Host: ticketUrl.host, Cookie: cookie };

  const directAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const previewAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const direct = () => get({ host: address, port: WEB_PORT, path: '/', agent: directAgent });
  const viaPreview = () => get({ host: '127.0.0.1', port, path: '/', headers: previewHeaders, agent: previewAgent });
  progress(`${SAMPLES} GETs each, direct to ${address}:${WEB_PORT} and through ${ticketUrl.host}, interleaved`);
  const samples = { direct: [] as number[], preview: [] as number[] };
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const pairStart = performance.now();
    const d = await timed(direct);
    const p = await timed(viaPreview);
    await sleep(Math.max(0, PAIR_INTERVAL_MS - (performance.now() - pairStart)));
    if (i >= WARMUP) {
      samples.direct.push(d);
      samples.preview.push(p);
    }
  }

  progress(`terminal echo: ${ECHO_KEYS} keys idle, then ${ECHO_KEYS} keys after ${FLOOD_WARMUP_MS / 1000} s of the same learner flooding the preview from ${FLOOD_CONNECTIONS} connections`);
  const idle = await echoRtts(client, ECHO_KEYS);
  const flood = { ok: 0, limited: 0, failed: 0, running: true };
  const floodAgent = new Agent({ keepAlive: true, maxSockets: FLOOD_CONNECTIONS });
  const deadline = Date.now() + FLOOD_MAX_MS;
  const loops = Array.from({ length: FLOOD_CONNECTIONS }, async () => {
    while (flood.running && Date.now() < deadline) {
      const reply = await get({ host: '127.0.0.1', port, path: '/', headers: previewHeaders, agent: floodAgent }).catch(() => ({ status: 0 }) as Reply);
      if (reply.status === 200) flood.ok++;
      else if (reply.status === 429) flood.limited++;
      else flood.failed++;
    }
  });
  const startedFlood = performance.now();
  // Long enough to spend the learner's burst, so the keys are timed while the bounds are in force.
  await sleep(FLOOD_WARMUP_MS);
  const underFlood = await echoRtts(client, ECHO_KEYS);
  flood.running = false;
  await Promise.all(loops);
  const floodSeconds = (performance.now() - startedFlood) / 1000;
  directAgent.destroy();
  previewAgent.destroy();
  floodAgent.destroy();

  await server.stop();
  return {
    preview_ms_p50: round(percentile(samples.preview, 50), 2),
    preview_ms_p99: round(percentile(samples.preview, 99), 2),
    direct_ms_p50: round(percentile(samples.direct, 50), 2),
    direct_ms_p99: round(percentile(samples.direct, 99), 2),
    preview_added_ms_p50: round(percentile(samples.preview, 50) - percentile(samples.direct, 50), 2),
    echo_rtt_ms_p50_idle: round(percentile(idle, 50), 2),
    echo_rtt_ms_p50_preview_flood: round(percentile(underFlood, 50), 2),
    echo_rtt_ms_p99_preview_flood: round(percentile(underFlood, 99), 2),
    flood_requests_per_s: round((flood.ok + flood.limited + flood.failed) / floodSeconds, 0),
    flood_answered_429_share: round(flood.limited / Math.max(1, flood.ok + flood.limited + flood.failed), 2),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const figures = await measurePreview({ quick: process.argv.includes('--quick') });
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify(figures, null, 2));
    } else {
      const width = Math.max(...Object.keys(figures).map((k) => k.length));
      for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(width)}  ${value}`);
    }
  } catch (error) {
    progress(`failed: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    await runCleanups();
  }
}
