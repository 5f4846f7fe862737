/**
 * `npm run bench [-- --json] [--quick] [--only start,echo,throughput,rss,sessions]`
 *
 * Measures Bulkhead's terminal path on this machine beside two references (WeTTY 3.x and the floor,
 * `docker exec -it` on a local pty) and prints the figures of issue 3 with their targets. See
 * docs/benchmarks.md for what each figure means and how it is measured.
 */
import { cpus, loadavg, release, totalmem } from 'node:os';
import { SYSTEMS } from './drivers/terminal.ts';
import { runCleanups } from './lib/cleanup.ts';
import { docker, engineDescription, removeReferenceContainers, RUN_ID, shellImage } from './lib/docker.ts';
import { parseOptions, type BenchOptions, type Measurement } from './lib/options.ts';
import { progress } from './lib/progress.ts';
import { emptyFigures, evaluateTargets, renderTable, type FigureKey, type Figures } from './lib/report.ts';
import { median, percentile, round } from './lib/stats.ts';
import { measureIo } from './measure/io.ts';
import { measureRss, SLOW_READ_BYTES_PER_S } from './measure/rss.ts';
import { measureSessions, type SessionsOptions } from './measure/sessions.ts';
import { measureStarts } from './measure/start.ts';

const GIB = 1024 ** 3;
/** The sandbox memory limit for the concurrency climb: the lab-server default, so the figure is the default's. */
const SESSIONS_SANDBOX_MEMORY_MIB = 256;

function plan(quick: boolean) {
  return {
    startSamples: quick ? 5 : 20,
    echoKeys: quick ? 200 : 1000,
    throughputRuns: quick ? 1 : 3,
    sessions: (quick
      ? { step: 20, max: 120, windowMs: 5_000, keyIntervalMs: 500 }
      : { step: 10, max: 120, windowMs: 10_000, keyIntervalMs: 500 }) satisfies SessionsOptions,
  };
}

async function main(options: BenchOptions): Promise<void> {
  const runs = (m: Measurement) => options.only.has(m);
  const settings = plan(options.quick);
  const figures: Figures = emptyFigures();
  const reasons: Partial<Record<FigureKey, string>> = {};
  const details: Record<string, unknown> = {};
  /** Sentences printed under the table (and kept in the JSON): what a reader needs to read the figures right. */
  const notes: string[] = [];
  const fail = (keys: readonly FigureKey[], error: unknown) => {
    const reason = (error as Error).message.split('\n')[0] ?? String(error);
    for (const key of keys) reasons[key] = reason;
    progress(`failed: ${reason}`);
  };
  const scoped = async (keys: readonly FigureKey[], body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      fail(keys, error);
    } finally {
      await runCleanups();
    }
  };

  const image = await shellImage();
  const machine = {
    cores: cpus().length, memoryGib: round(totalmem() / GIB, 1), kernel: release(), node: process.version,
    engine: await engineDescription(), image, date: new Date().toISOString(), quick: options.quick,
    /** Other work on the machine moves the tails; the 1-minute load average at start and end says how much. */
    loadAverage: { start: round(loadavg()[0] ?? 0, 2), end: 0 },
  };
  progress(`run ${RUN_ID}: ${machine.cores} cores, ${machine.memoryGib} GiB, ${machine.engine}, image ${image}`);
  if (machine.loadAverage.start > machine.cores) progress(`warning: load average ${machine.loadAverage.start} on ${machine.cores} cores; other work will show in the tails (p99, concurrent sessions)`);

  if (runs('start')) {
    for (const kind of ['warm', 'cold'] as const) {
      const keys = [`start_${kind}_ms_p50`, `start_${kind}_ms_p95`] as const;
      await scoped(keys, async () => {
        progress(`start, ${kind}: ${settings.startSamples} starts, each a new learner`);
        const { samples, poolSize } = await measureStarts(kind, settings.startSamples);
        figures[keys[0]] = round(percentile(samples, 50), 0);
        figures[keys[1]] = round(percentile(samples, 95), 0);
        details[`start_${kind}`] = { samples: samples.length, min: round(Math.min(...samples), 0), max: round(Math.max(...samples), 0), pooledSandboxes: poolSize };
      });
    }
  }

  if (runs('echo') || runs('throughput')) {
    const echoKeys = SYSTEMS.flatMap((s) => [`echo_rtt_ms_p50_${s}`, `echo_rtt_ms_p99_${s}`] as FigureKey[]);
    const tputKeys = SYSTEMS.map((s) => `throughput_mb_s_${s}` as FigureKey);
    const keys = [...(runs('echo') ? echoKeys : []), ...(runs('throughput') ? tputKeys : [])];
    await scoped(keys, async () => {
      progress(`echo and throughput: ours, WeTTY and the floor side by side`);
      const io = await measureIo({ echoKeys: runs('echo') ? settings.echoKeys : 0, throughputRuns: runs('throughput') ? settings.throughputRuns : 0, image });
      for (const system of SYSTEMS) {
        const echo = io.echo[system];
        const tput = io.throughput[system];
        if (runs('echo') && echo?.length === settings.echoKeys) {
          figures[`echo_rtt_ms_p50_${system}`] = round(percentile(echo, 50), 2);
          figures[`echo_rtt_ms_p99_${system}`] = round(percentile(echo, 99), 2);
        } else if (runs('echo')) {
          reasons[`echo_rtt_ms_p50_${system}`] = reasons[`echo_rtt_ms_p99_${system}`] = io.reasons[system] ?? 'incomplete';
        }
        if (runs('throughput') && tput?.length === settings.throughputRuns) {
          figures[`throughput_mb_s_${system}`] = round(median(tput.map((t) => t.mbPerS)), 1);
        } else if (runs('throughput')) {
          reasons[`throughput_mb_s_${system}`] = io.reasons[system] ?? 'incomplete';
        }
      }
      details.io = {
        echoKeysPerSystem: settings.echoKeys,
        throughputRunsPerSystem: settings.throughputRuns,
        throughputRuns: Object.fromEntries(Object.entries(io.throughput).map(([s, runs_]) => [s, runs_.map((r) => round(r.mbPerS, 1))])),
        echoMax: Object.fromEntries(Object.entries(io.echo).map(([s, e]) => [s, round(Math.max(...e), 2)])),
        wetty: io.wetty, floorVia: io.floorVia,
      };
      notes.push(io.wetty.ok
        ? `WeTTY ${io.wetty.version} (${io.wetty.notes.join('; ')}), socket.io over WebSocket; floor via ${io.floorVia ?? '—'}.`
        : `WeTTY not measured: ${io.wetty.reason}.`);
    });
  }

  if (runs('rss')) {
    await scoped(['server_rss_mb'], async () => {
      progress(`server RSS: 50 MB to a client reading ${SLOW_READ_BYTES_PER_S / 1e6} MB/s`);
      const rss = await measureRss();
      figures.server_rss_mb = round(rss.growthMib, 1);
      details.rss = {
        baselineMib: round(rss.baselineMib, 1), peakMib: round(rss.peakMib, 1), secondFloodGrowthMib: round(rss.secondFloodGrowthMib, 1),
        readerMbPerS: round(rss.readMbPerS, 1), seconds: round(rss.seconds, 1),
      };
      notes.push(`RSS ${round(rss.baselineMib, 1)} → ${round(rss.peakMib, 1)} MiB on a fresh server; a second identical flood added ${round(rss.secondFloodGrowthMib, 1)} MiB more.`);
    });
  }

  if (runs('sessions')) {
    await scoped(['sessions_concurrent'], async () => {
      progress(`concurrent sessions: +${settings.sessions.step} at a time up to ${settings.sessions.max}`);
      const result = await measureSessions(settings.sessions, SESSIONS_SANDBOX_MEMORY_MIB);
      figures.sessions_concurrent = result.held;
      notes.push(`Concurrent sessions: every session typing ${1000 / settings.sessions.keyIntervalMs} keys/s at once for ${settings.sessions.windowMs / 1000} s per level, sandbox memory ${SESSIONS_SANDBOX_MEMORY_MIB} MiB, global and per-IP caps raised to ${result.settings.caps.global}.`);
      details.sessions = {
        settings: result.settings,
        levels: result.levels.map((l) => ({ ...l, p50: round(l.p50, 1), p99: round(l.p99, 1), worstSessionP50: round(l.worstSessionP50, 1), worstSessionP99: round(l.worstSessionP99, 1) })),
      };
    });
  }

  const strays = await removeReferenceContainers();
  const leftovers = (await docker('ps', '-a', '--filter', 'label=bulkhead.instance', '--format', '{{.Label "bulkhead.instance"}}'))
    .split('\n').filter((instance) => instance.startsWith(`bench-${RUN_ID}-`)).length;
  if (strays || leftovers) progress(`cleanup: ${strays} reference container(s) removed at the end, ${leftovers} sandbox(es) still present`);
  details.cleanup = { referenceContainersRemovedAtEnd: strays, sandboxesLeft: leftovers };

  machine.loadAverage.end = round(loadavg()[0] ?? 0, 2);
  const targets = evaluateTargets(figures);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...figures, targets, reasons, notes, details, machine })}\n`);
    return;
  }
  const header = `Bulkhead bench, ${machine.date.slice(0, 10)}: ${machine.cores} cores, ${machine.memoryGib} GiB, ${machine.engine}, Node ${machine.node}, load ${machine.loadAverage.start} → ${machine.loadAverage.end}${options.quick ? ' (--quick)' : ''}`;
  const why = Object.entries(reasons).map(([key, reason]) => `  ${key}: ${reason}`);
  const sections = [header, renderTable(figures, targets), notes.join('\n'), why.length ? `Not measured:\n${why.join('\n')}` : ''];
  process.stdout.write(`${sections.filter(Boolean).join('\n\n')}\n`);
}

let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  progress('interrupted: removing what the bench started');
  void runCleanups().then(removeReferenceContainers).finally(() => process.exit(130));
});

try {
  await main(parseOptions(process.argv.slice(2)));
} catch (error) {
  if (!interrupted) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
} finally {
  if (!interrupted) {
    await runCleanups();
    await removeReferenceContainers().catch(() => undefined);
  }
}
