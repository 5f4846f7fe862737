/**
 * `npm run sandbox -- LAB [-- COMMAND [ARG...]]`: opens a sandbox for a lab exactly as a learner gets it (same
 * image, limits and network), runs COMMAND with its arguments as the learner, unsplit as `docker exec` runs
 * them (an interactive login shell when none is given), relays its output and exit status, and removes
 * everything it made. `npm run sandbox -- --list` prints the lab ids.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../lab-server/config.ts';
import { LabError } from '../lab-server/errors.ts';
import { imageRefs } from '../lab-server/images.ts';
import { loadLessons } from '../lab-server/lessons.ts';
import { runtimeFromConfig } from '../lab-server/runtime/docker-runtime.ts';
import { openLabSandbox, type LabSandbox } from '../lab-server/lab-sandbox.ts';
import { parseSandboxArgs, sandboxExecArgv } from './sandbox-argv.ts';

const USAGE = 'usage: npm run sandbox -- LAB [-- COMMAND [ARG...]]   |   npm run sandbox -- --list';

async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const lessons = await loadLessons(config.CONTENT_DIR ?? fileURLToPath(new URL('../content/', import.meta.url)));
  const labs = lessons.filter((l) => l.lab);
  const request = parseSandboxArgs(argv);
  if (request.kind === 'list') {
    for (const lesson of labs) console.log(lesson.slug);
    return 0;
  }
  if (request.kind === 'usage') {
    console.error(USAGE);
    return 2;
  }
  const { lab, command } = request;
  const lesson = labs.find((l) => l.slug === lab);
  if (!lesson?.lab) {
    console.error(`There is no lab called "${lab}". Labs: ${labs.map((l) => l.slug).join(', ')}`);
    return 2;
  }
  const instance = `sandbox-${process.pid}`;
  const runtime = runtimeFromConfig(config, { instance });
  await runtime.ping();
  const image = (await imageRefs('shell')).hashTag;
  if (!(await runtime.hasImage(image))) throw new LabError('IMAGE_MISSING', `The lab image ${image} is not built: run \`npm run images\` first.`);
  let sandbox: LabSandbox | undefined;
  const cleanup = async () => {
    await sandbox?.close();
    if (process.stderr.isTTY) console.error('sandbox removed');
  };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    sandbox = await openLabSandbox({ runtime, config, instance, lesson, image });
    const interactive = command.length === 0;
    const size = { cols: process.stdout.columns ?? 100, rows: process.stdout.rows ?? 30 };
    const terminal = await runtime.openTerminal(sandbox.handle, size, sandboxExecArgv(command));
    terminal.stream.pipe(process.stdout, { end: false });
    if (interactive && process.stdin.isTTY) process.stdin.setRawMode(true);
    if (interactive) process.stdin.pipe(terminal.stream);
    process.stdout.on('resize', () => void terminal.resize(process.stdout.columns, process.stdout.rows));
    const code = await terminal.exitCode();
    if (interactive) {
      process.stdin.unpipe(terminal.stream);
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      process.stdin.pause();
    }
    return code ?? 1;
  } finally {
    if (!interrupted) await cleanup();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof LabError ? error.message : error);
  process.exitCode = 1;
}
