/**
 * lab-server as its own process, like `node lab-server/main.ts`, plus what main.ts cannot take from the
 * environment: session caps (BENCH_CAPS, JSON). Every load-generating client is then 127.0.0.1, so the
 * per-IP and per-learner caps must be raised for the bench and nowhere else. With BENCH_LOOP_DELAY_FILE
 * set, it also records its event loop's delay and writes the histogram there (JSON, milliseconds) when it
 * gets SIGUSR2 (which also resets it) and when it stops, so a bench can tell lab-server's stalls from the
 * machine's.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startLabServer } from '../lab-server/main.ts';
import { loadConfig } from '../lab-server/config.ts';
import { createLogger } from '../lab-server/ops/log.ts';
import type { SessionCaps } from '../lab-server/sessions/caps.ts';

const caps = JSON.parse(process.env.BENCH_CAPS ?? '{}') as Partial<SessionCaps>;
// Log lines go to stderr, so stdout carries only the URL line below.
const lab = await startLabServer(loadConfig(), { caps, log: createLogger({ format: 'json', destination: process.stderr }) });
console.log(`Bulkhead is running at ${lab.url}`);
const delayFile = process.env.BENCH_LOOP_DELAY_FILE;
const delay = delayFile ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
const writeDelay = () => {
  if (!delay || !delayFile) return;
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  writeFileSync(delayFile, JSON.stringify({ p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), count: delay.count }));
  delay.reset();
};
delay?.enable();
process.on('SIGUSR2', writeDelay);
const stop = () => {
  writeDelay();
  void lab.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
