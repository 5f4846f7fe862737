/**
 * lab-server as its own process, like `node lab-server/main.ts`, plus what main.ts cannot take from the
 * environment: session caps (BENCH_CAPS, JSON). Every load-generating client is then 127.0.0.1, so the
 * per-IP and per-learner caps must be raised for the bench and nowhere else.
 */
import { startLabServer } from '../lab-server/app.ts';
import { loadConfig } from '../lab-server/config.ts';
import type { SessionCaps } from '../lab-server/sessions/manager.ts';

const caps = JSON.parse(process.env.BENCH_CAPS ?? '{}') as Partial<SessionCaps>;
const lab = await startLabServer(loadConfig(), { caps, log: (line) => console.error(line) });
console.log(`Bulkhead is running at ${lab.url}`);
const stop = () => void lab.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
