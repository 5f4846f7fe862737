/**
 * `node bench/workshop-floor.ts [--learners 40] [--seconds 60] [--key-ms 250] [--lockstep] [--json]`
 *
 * The floor under the workshop load run: the same room typing the same way (one key every --key-ms per
 * learner, each echo timed, the first at a random moment within --key-ms unless --lockstep), but
 * through `docker exec -it` on local ptys, with no lab-server, no WebSocket, no checks and no board. The containers are confined like learner sandboxes. What this
 * prints is what the machine and the engine give 40 terminals at once, so bench/workshop-load.ts's
 * figures can be read against it. A script, not a test. Needs the Docker Engine, the lab images and the
 * bench's scratch node-pty (installed by `npm run bench`; without it, util-linux `script` is used).
 */
import { parseArgs } from 'node:util';
import { FloorTerminal } from './drivers/floor.ts';
import { PROMPT, waitForText } from './drivers/terminal.ts';
import { onCleanup, runScript } from './lib/cleanup.ts';
import { removeReferenceContainers, shellImage, startReferenceContainer } from './lib/docker.ts';
import { progress, sleep } from './lib/progress.ts';
import { median, percentile, round } from './lib/stats.ts';
import { EchoTyper } from './measure/echo.ts';

const { values: args } = parseArgs({
  options: {
    learners: { type: 'string', default: '40' }, seconds: { type: 'string', default: '60' },
    'key-ms': { type: 'string', default: '250' }, lockstep: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
  },
});
const LEARNERS = Number(args.learners);
const TYPING_MS = Number(args.seconds) * 1000;
const KEY_MS = Number(args['key-ms']);
const START_CONCURRENCY = 4;

async function main(): Promise<void> {
  const image = await shellImage();
  // Registered first, so it runs last: whatever a failed start left behind.
  onCleanup('reference containers of this run', removeReferenceContainers);
  progress(`starting ${LEARNERS} confined containers and a docker exec -it terminal in each (${START_CONCURRENCY} at a time)`);
  const terminals: FloorTerminal[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: START_CONCURRENCY }, async () => {
    while (next < LEARNERS) {
      const index = next++;
      const container = await startReferenceContainer(image, `room-${index}`);
      const terminal = FloorTerminal.open(container, true);
      await waitForText(terminal, PROMPT, 60_000, 'the first prompt');
      terminals.push(terminal);
    }
  }));
  progress(`typing for ${TYPING_MS / 1000} s (a key per ${KEY_MS} ms each, via ${terminals[0]?.via})`);
  const until = performance.now() + TYPING_MS;
  const perLearner = await Promise.all(terminals.map(async (terminal) => {
    const typer = new EchoTyper(terminal);
    const samples: number[] = [];
    if (!args.lockstep) await sleep(Math.random() * KEY_MS);
    while (performance.now() < until) {
      const started = performance.now();
      samples.push(await typer.next());
      await sleep(Math.max(0, KEY_MS - (performance.now() - started)));
    }
    await typer.finish();
    return samples;
  }));
  await Promise.all(terminals.map((t) => t.close()));
  const all = perLearner.flat();
  const result = {
    learners: terminals.length, typingSeconds: TYPING_MS / 1000, keyIntervalMs: KEY_MS, lockstep: args.lockstep, via: terminals[0]?.via,
    echoMs: { n: all.length, p50: round(median(all)), p99: round(percentile(all, 99)), max: round(Math.max(...all)) },
    worstLearnerEchoP99Ms: round(Math.max(...perLearner.filter((s) => s.length).map((s) => percentile(s, 99)))),
  };
  if (args.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(`\nWorkshop floor: ${result.learners} docker exec -it terminals (${result.via}), ${result.typingSeconds} s, a key per ${KEY_MS} ms each${args.lockstep ? ', in lockstep' : ''}`);
  console.log(`  echo round trip                n=${result.echoMs.n}  p50 ${result.echoMs.p50} ms  p99 ${result.echoMs.p99} ms  max ${result.echoMs.max} ms`);
  console.log(`  worst learner echo p99         ${result.worstLearnerEchoP99Ms} ms`);
}

await runScript(main);
