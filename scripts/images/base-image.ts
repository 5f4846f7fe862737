/** The base image every lab image builds on: present, pulled, or bootstrapped from the Debian mirror. */
import { mkdtemp, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine } from '../../lab-server/engine/client.ts';
import { BASE_IMAGE } from '../../lab-server/images.ts';
import { findTool, run } from './commands.ts';
import { dockerEvents, imageExists } from './engine-streams.ts';
import type { Options } from './flags.ts';
import { ImagesError, step } from './report.ts';
import { DEBIAN_MIRROR, DEBIAN_SUITE, importRootfs, removeRootfs, slimRootfs } from './rootfs.ts';

const PULL_TIMEOUT_MS = 20_000;
const BOOTSTRAP_TOOLS = ['debootstrap', 'mmdebstrap'] as const;
/** debootstrap says four lines per package; only its stage lines, warnings and errors are worth reading. */
const BOOTSTRAP_NOISE = /^I: ((Retrieving|Validating|Extracting|Unpacking|Configuring) [a-z0-9][a-z0-9+.:-]*(\.\.\.| \S+)|Resolving dependencies of)/;

export async function ensureBase(engine: Engine, options: Options, signal: AbortSignal): Promise<void> {
  if (await imageExists(engine, BASE_IMAGE)) {
    step(`base ${BASE_IMAGE} present`);
    return;
  }
  step(`base ${BASE_IMAGE} missing, pulling (at most ${PULL_TIMEOUT_MS / 1000} s)`);
  const pullFailure = await tryPull(engine, signal);
  if (!pullFailure) {
    step(`base ${BASE_IMAGE} pulled`);
    return;
  }
  step(`no registry answered (${pullFailure}); bootstrapping ${BASE_IMAGE} from ${DEBIAN_MIRROR}`);
  await bootstrapBase(engine, options, signal);
  step(`base ${BASE_IMAGE} imported`);
}

/** Resolves with why the pull failed, or undefined when the image arrived. */
async function tryPull(engine: Engine, signal: AbortSignal): Promise<string | undefined> {
  try {
    const abortSignal = AbortSignal.any([signal, AbortSignal.timeout(PULL_TIMEOUT_MS)]);
    for await (const event of dockerEvents(await engine.docker.pull(BASE_IMAGE, { abortSignal }))) {
      if (event.error) return event.error.trim();
    }
    return (await imageExists(engine, BASE_IMAGE)) ? undefined : 'the pull finished without the image';
  } catch (error) {
    signal.throwIfAborted();
    return (error as Error).message.split('\n')[0]?.trim();
  }
}

async function bootstrapBase(engine: Engine, options: Options, signal: AbortSignal): Promise<void> {
  const tool = await findTool(BOOTSTRAP_TOOLS);
  if (!tool) {
    throw new ImagesError('NO_BOOTSTRAP_TOOL', `No registry answered and neither debootstrap nor mmdebstrap is installed: run \`apt-get install debootstrap\` (or load ${BASE_IMAGE} with \`docker load\`), then run \`npm run images\` again.`);
  }
  if (process.getuid?.() !== 0) {
    throw new ImagesError('BOOTSTRAP_NEEDS_ROOT', `No registry answered, and bootstrapping ${BASE_IMAGE} with ${tool} needs root: run \`sudo npm run images\` once (later runs reuse the base image and need no root).`);
  }
  // Not os.tmpdir(): /tmp is often a noexec tmpfs, and the bootstrap runs programs inside the tree.
  // realpath: /proc/self/mounts, checked before the tree is removed, lists resolved paths.
  const root = await realpath(await mkdtemp(join(process.env.TMPDIR ?? '/var/tmp', 'bulkhead-rootfs-')));
  try {
    step(`running ${tool} --variant=minbase ${DEBIAN_SUITE} ${root}`);
    await run(tool, ['--variant=minbase', DEBIAN_SUITE, root, DEBIAN_MIRROR], signal, (line) => {
      if (options.verbose || !BOOTSTRAP_NOISE.test(line)) console.log(`  [base] ${line}`);
    });
    step('slimming the tree like the official slim image');
    await slimRootfs(root);
    step(`importing the tree as ${BASE_IMAGE}`);
    await importRootfs(engine, root, signal);
  } finally {
    await removeRootfs(root);
  }
}
