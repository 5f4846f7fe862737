/**
 * `node bench/workshop-load.ts [--learners 40] [--seconds 60] [--key-ms 250] [--check-ms 10000] [--lockstep] [--no-board] [--json]`
 *
 * A workshop under load, as a room would drive it: a lab-server process (bench entry, fixture content),
 * a workshop with one seat per simulated learner, and an instructor's board socket. Every learner joins,
 * opens the demo lab and types one key every --key-ms (each echo timed), presses Check every
 * --check-ms, and once, at a random moment, does the exercise. Each learner's first key comes at a random
 * moment within the first --key-ms, as people in a room do not type in step; with --lockstep all 40 keys
 * of a round leave at the same instant, a harsher load than a room makes. Prints:
 *
 * - echo round trips over all learners (target: p99 under 50 ms), and the worst learner's p99;
 * - board freshness: from a learner's page getting "done" to the board showing it (target: under 2 s);
 * - how many boards were pushed while the room worked (they go out on change), and whether the last
 *   board agrees with what the learners did;
 * - how long sessions took to start (the first ones from the workshop's pre-warmed sandboxes) and how
 *   long ending the workshop took to remove every sandbox.
 *
 * `--no-board` leaves the board closed, to tell the board's own cost from the room's (checks are
 * `docker exec`s, which compete with the terminals for the CPU). A script, not a test: figures depend on
 * the machine. Needs the Docker Engine and the lab images.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { OP_INPUT, OP_OUTPUT, PROTOCOL_VERSION, decodeBinary, encodeData, parseServerControl, type ServerControl } from '../src/lib/protocol.ts';
import type { BoardSnapshot } from '../lab-server/workshops/board.ts';
import { requestTicket } from '../test/helpers/terminal-client.ts';
import { COLS, OutputListeners, PROMPT, ROWS, waitForText, type BenchTerminal, type Chunk } from './drivers/terminal.ts';
import { onCleanup, runScript } from './lib/cleanup.ts';
import { RUN_ID, docker, shellImage } from './lib/docker.ts';
import { BENCH_ENTRY, FIXTURE_CONTENT, spawnLabServer } from './lib/lab-server-process.ts';
import { progress, sleep, waitUntil } from './lib/progress.ts';
import { median, percentile, round } from './lib/stats.ts';
import { EchoTyper } from './measure/echo.ts';

const ECHO_TARGET_P99_MS = 50;
const BOARD_TARGET_MS = 2_000;
/** Sessions started at once while the room arrives (a 2-core machine creates sandboxes one or two at a time). */
const JOIN_CONCURRENCY = 4;
const READY_TIMEOUT_MS = 120_000;

const { values: args } = parseArgs({
  options: {
    learners: { type: 'string', default: '40' }, seconds: { type: 'string', default: '60' },
    'key-ms': { type: 'string', default: '250' }, 'check-ms': { type: 'string', default: '10000' }, 'no-board': { type: 'boolean', default: false },
    lockstep: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
  },
});
const LEARNERS = Number(args.learners);
const TYPING_MS = Number(args.seconds) * 1000;
const KEY_MS = Number(args['key-ms']);
const CHECK_MS = Number(args['check-ms']);

/** A learner's terminal: the browser's steps (ticket with the learner cookie, WebSocket with Origin, hello). */
class LearnerTerminal implements BenchTerminal {
  readonly system = 'ours';
  readonly ws: WebSocket;
  private readonly output = new OutputListeners();
  private readonly controlListeners = new Set<(message: ServerControl) => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        const message = parseServerControl(data.toString('utf8'));
        for (const listener of this.controlListeners) listener(message);
        return;
      }
      const frame = decodeBinary(data);
      if (frame.op === OP_OUTPUT) this.output.emit(frame.data);
    });
  }

  static async open(base: string, cookie: string): Promise<LearnerTerminal> {
    const ticket = await requestTicket(base, 'demo', cookie);
    if (!ticket.ticket) throw new Error(`no ticket (${ticket.status}): ${ticket.error}`);
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?ticket=${encodeURIComponent(ticket.ticket)}`, {
      headers: { Cookie: cookie, Origin: base }, perMessageDeflate: false,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const terminal = new LearnerTerminal(ws);
    ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, cols: COLS, rows: ROWS }));
    return terminal;
  }

  send(text: string): void {
    this.ws.send(encodeData(OP_INPUT, Buffer.from(text)));
  }

  control(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  onOutput(listener: (chunk: Chunk) => void): () => void {
    return this.output.add(listener);
  }

  onControl(listener: (message: ServerControl) => void): () => void {
    this.controlListeners.add(listener);
    return () => this.controlListeners.delete(listener);
  }

  waitForControl(predicate: (message: ServerControl) => boolean, what: string, timeoutMs: number): Promise<ServerControl> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { off(); reject(new Error(`no ${what} within ${timeoutMs} ms`)); }, timeoutMs);
      const off = this.onControl((message) => {
        if (message.type === 'error') { clearTimeout(timer); off(); reject(new Error(message.message)); }
        if (!predicate(message)) return;
        clearTimeout(timer);
        off();
        resolve(message);
      });
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    await closed;
  }
}

interface Learner {
  name: string;
  cookie: string;
  terminal?: LearnerTerminal;
  readyMs?: number;
  echoes: number[];
  checks: number;
  /** performance.now() when the learner's page was told the exercise is done. */
  doneAt?: number;
  /** ... and when the board first showed it. */
  boardAt?: number;
}

async function api(base: string, path: string, init: { token?: string; body?: unknown; cookie?: string; method?: string } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      'Content-Type': 'application/json', Origin: base,
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}), ...(init.cookie ? { Cookie: init.cookie } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await response.json()) as Record<string, any>;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${body.error}`);
  return { body, cookie: response.headers.get('set-cookie')?.split(';')[0] };
}

/** The instructor's board socket; `onBoard` gets every snapshot with its arrival time. */
async function openBoard(base: string, code: string, secret: string, onBoard: (board: BoardSnapshot, at: number) => void): Promise<WebSocket> {
  const ticket = await api(base, `/api/workshops/${code}/tickets`, { token: secret, body: { purpose: 'board' } });
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/board?ticket=${ticket.body.ticket}`, { headers: { Origin: base } });
  ws.on('message', (data) => {
    const at = performance.now();
    const message = JSON.parse(data.toString()) as { type: string; board: BoardSnapshot };
    if (message.type === 'board') onBoard(message.board, at);
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return ws;
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

function stats(samples: number[]): { n: number; p50: number; p99: number; max: number } {
  return samples.length
    ? { n: samples.length, p50: round(median(samples)), p99: round(percentile(samples, 99)), max: round(Math.max(...samples)) }
    : { n: 0, p50: NaN, p99: NaN, max: NaN };
}

/** lab-server's event-loop delay since the last call (bench/lab-server-entry.ts writes it on SIGUSR2). */
async function loopDelay(pid: number, file: string): Promise<{ p50: number; p99: number; max: number }> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  await waitUntil(() => existsSync(file), 'lab-server\'s event-loop delay', 5_000, 10);
  await sleep(20);
  return JSON.parse(readFileSync(file, 'utf8')) as { p50: number; p99: number; max: number };
}

/** One learner's working time: typing with timed echoes, Check now and then, the exercise once. */
async function work(learner: Learner, until: number, exerciseAt: number): Promise<void> {
  const term = learner.terminal!;
  const typer = new EchoTyper(term);
  let nextCheck = performance.now() + Math.random() * CHECK_MS;
  let exercised = false;
  if (!args.lockstep) await sleep(Math.random() * KEY_MS);
  term.onControl((message) => {
    if (message.type === 'checks') learner.checks++;
    if (message.type === 'checks' && message.done && learner.doneAt === undefined) learner.doneAt = performance.now();
  });
  while (performance.now() < until) {
    const started = performance.now();
    if (!exercised && started >= exerciseAt) {
      exercised = true;
      await typer.finish();
      const prompt = waitForText(term, PROMPT, 20_000, 'the prompt after the command');
      term.send('echo bulkhead > ~/note.txt\r');
      await prompt;
      term.control({ type: 'answer', exercise: 'make-note', criterion: 'uid', value: '1000' });
      continue;
    }
    if (started >= nextCheck) {
      nextCheck = started + CHECK_MS;
      term.control({ type: 'check' });
    }
    learner.echoes.push(await typer.next());
    await sleep(Math.max(0, KEY_MS - (performance.now() - started)));
  }
  await typer.finish();
}

async function main(): Promise<void> {
  await shellImage();
  const dataDir = await mkdtemp(join(tmpdir(), 'bulkhead-workshop-load-'));
  const instance = `bench-${RUN_ID}-workshop`;
  const loopDelayFile = join(dataDir, 'loop-delay.json');
  onCleanup(`sandboxes of ${instance}`, async () => {
    const ids = await docker('ps', '-aq', '--filter', `label=bulkhead.instance=${instance}`);
    if (ids) await docker('rm', '-fv', ...ids.split('\n'));
  });
  const server = await spawnLabServer(BENCH_ENTRY, {
    CONTENT_DIR: FIXTURE_CONTENT, DATA_DIR: dataDir, BULKHEAD_INSTANCE: instance, WARM_POOL_SIZE: '0',
    BENCH_LOOP_DELAY_FILE: loopDelayFile,
    BENCH_CAPS: JSON.stringify({ perIp: LEARNERS * 2, perLearner: 3, global: LEARNERS * 2, createBurst: LEARNERS, createPerMinute: LEARNERS * 10 }),
  });
  const base = server.url;
  const key = readFileSync(join(dataDir, 'organizer-key'), 'utf8').trim();
  progress(`lab-server at ${base}; creating a workshop with ${LEARNERS} seats`);
  const created = await api(base, '/api/workshops', { token: key, body: { title: 'Load run', lessons: 'demo', seats: LEARNERS, duration: '1h' } });
  const { code } = created.body.workshop as { code: string };
  const secret = created.body.secret as string;

  // The instructor's board: every snapshot, and when each learner's exercise first shows as done.
  const learners: Learner[] = Array.from({ length: LEARNERS }, (_, i) => ({ name: `learner-${String(i + 1).padStart(2, '0')}`, cookie: '', echoes: [], checks: 0 }));
  const byName = new Map(learners.map((l) => [l.name, l]));
  const pushes: number[] = [];
  let lastBoard: BoardSnapshot | undefined;
  const board = args['no-board'] ? undefined : await openBoard(base, code, secret, (snapshot, at) => {
    pushes.push(at);
    lastBoard = snapshot;
    for (const row of snapshot.roster) {
      const learner = byName.get(row.name);
      if (learner && learner.boardAt === undefined && row.cells['demo/make-note']?.state === 'done') learner.boardAt = at;
    }
  });
  const prewarmed = await waitUntil(async () => Number(await docker('ps', '-q', '--filter', `label=bulkhead.instance=${instance}`).then((s) => s.split('\n').filter(Boolean).length)) >= Math.min(LEARNERS, 10), 'pre-warmed sandboxes', 60_000)
    .then(() => true, () => false);
  progress(`pre-warmed: ${prewarmed ? 'yes' : 'not all'}; ${LEARNERS} learners join and open the lab (${JOIN_CONCURRENCY} at a time)`);

  const joinStarted = performance.now();
  await pool(learners, JOIN_CONCURRENCY, async (learner) => {
    const joined = await api(base, '/api/workshop/join', { body: { code, name: learner.name } });
    learner.cookie = joined.cookie ?? '';
    const started = performance.now();
    const terminal = await LearnerTerminal.open(base, learner.cookie);
    const prompt = waitForText(terminal, PROMPT, READY_TIMEOUT_MS, 'the first prompt');
    await terminal.waitForControl((m) => m.type === 'ready', 'ready', READY_TIMEOUT_MS);
    await prompt;
    learner.readyMs = performance.now() - started;
    learner.terminal = terminal;
  });
  const roomReadyMs = performance.now() - joinStarted;
  progress(`all ${LEARNERS} labs ready in ${(roomReadyMs / 1000).toFixed(1)} s; typing for ${TYPING_MS / 1000} s`);

  // Event-loop delay while the room types, in lab-server (SIGUSR2 resets its histogram, the next one
  // writes it) and in this client, so a tail can be told apart: lab-server's own stalls, or the machine's.
  await loopDelay(server.pid, loopDelayFile);
  const clientDelay = monitorEventLoopDelay({ resolution: 1 });
  clientDelay.enable();
  const typingStarted = performance.now();
  const until = typingStarted + TYPING_MS;
  const firstPush = pushes.length;
  await Promise.all(learners.map((learner) => work(learner, until, typingStarted + TYPING_MS * (0.2 + 0.6 * Math.random()))));
  if (board) await waitUntil(() => learners.every((l) => l.boardAt !== undefined), 'the board to show every completion', 10_000).catch((e: Error) => progress(e.message));
  clientDelay.disable();
  const serverDelay = await loopDelay(server.pid, loopDelayFile);
  const during = pushes.slice(firstPush).filter((t) => t <= until);
  const gaps = during.slice(1).map((t, i) => t - (during[i] as number));

  progress('ending the workshop');
  const endStarted = performance.now();
  const ended = await api(base, `/api/workshops/${code}/end`, { token: secret, method: 'POST' });
  const endMs = performance.now() - endStarted;
  const left = (await docker('ps', '-aq', '--filter', `label=bulkhead.instance=${instance}`)).split('\n').filter(Boolean).length;
  board?.close();
  await Promise.all(learners.map((l) => l.terminal?.close()));
  const rss = await server.rssBytes();
  await server.stop();

  const echoes = learners.flatMap((l) => l.echoes);
  const perLearnerP99 = learners.filter((l) => l.echoes.length).map((l) => percentile(l.echoes, 99));
  const boardLag = learners.filter((l) => l.doneAt !== undefined && l.boardAt !== undefined).map((l) => Math.max(0, (l.boardAt as number) - (l.doneAt as number)));
  const finalRows = lastBoard?.roster ?? [];
  const result = {
    learners: LEARNERS, typingSeconds: TYPING_MS / 1000, keyIntervalMs: KEY_MS, checkEveryMs: CHECK_MS, lockstep: args.lockstep,
    roomReadySeconds: round(roomReadyMs / 1000), sessionStartMs: stats(learners.map((l) => l.readyMs ?? NaN).filter(Number.isFinite)),
    echoMs: stats(echoes), worstLearnerEchoP99Ms: round(Math.max(...perLearnerP99)),
    checkResults: learners.reduce((n, l) => n + l.checks, 0),
    boardLagMs: stats(boardLag), completionsShown: `${boardLag.length}/${LEARNERS}`,
    boardPushes: during.length, longestPushGapMs: round(gaps.length ? Math.max(...gaps) : NaN),
    lastBoard: { seats: finalRows.length, done: finalRows.filter((r) => r.done === 1).length },
    loopDelayMs: {
      labServer: serverDelay,
      client: { p50: round(clientDelay.percentile(50) / 1e6, 2), p99: round(clientDelay.percentile(99) / 1e6, 2), max: round(clientDelay.max / 1e6, 2) },
    },
    endSeconds: round(endMs / 1000), sandboxesEnded: ended.body.sandboxes, containersLeft: left, serverRssMiB: round(rss / 1024 / 1024),
    verdict: { echoP99: percentile(echoes, 99) < ECHO_TARGET_P99_MS ? 'pass' : 'FAIL', board: !board ? 'not measured' : boardLag.length === LEARNERS && Math.max(...boardLag) < BOARD_TARGET_MS ? 'pass' : 'FAIL' },
  };
  if (args.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const line = (label: string, value: string) => console.log(`  ${label.padEnd(30)} ${value}`);
  console.log(`\nWorkshop load run: ${LEARNERS} learners, ${TYPING_MS / 1000} s of typing (a key per ${KEY_MS} ms each${args.lockstep ? ', in lockstep' : ''}), Check every ${CHECK_MS / 1000} s, the exercise once`);
  line('room ready', `${result.roomReadySeconds} s for ${LEARNERS} labs; per lab p50 ${result.sessionStartMs.p50} ms, max ${result.sessionStartMs.max} ms`);
  line('echo round trip', `n=${result.echoMs.n}  p50 ${result.echoMs.p50} ms  p99 ${result.echoMs.p99} ms  max ${result.echoMs.max} ms  (target p99 < ${ECHO_TARGET_P99_MS} ms: ${result.verdict.echoP99})`);
  line('worst learner echo p99', `${result.worstLearnerEchoP99Ms} ms`);
  line('check results sent', `${result.checkResults}`);
  line('event-loop delay p50/p99/max', `lab-server ${serverDelay.p50}/${serverDelay.p99}/${serverDelay.max} ms; this client ${result.loopDelayMs.client.p50}/${result.loopDelayMs.client.p99}/${result.loopDelayMs.client.max} ms`);
  line('done → on the board', `${result.completionsShown} shown  p50 ${result.boardLagMs.p50} ms  p99 ${result.boardLagMs.p99} ms  max ${result.boardLagMs.max} ms  (target < ${BOARD_TARGET_MS} ms: ${result.verdict.board})`);
  line('board pushes while working', `${result.boardPushes} (sent on change; longest quiet spell ${result.longestPushGapMs} ms)`);
  line('last board', `${result.lastBoard.seats} seats, ${result.lastBoard.done} done`);
  line('end workshop', `${result.sandboxesEnded} labs closed in ${result.endSeconds} s; containers left: ${result.containersLeft}`);
  line('lab-server RSS at the end', `${result.serverRssMiB} MiB`);
}

await runScript(main);
