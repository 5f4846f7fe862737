/**
 * `npm run images [-- --only shell,web] [--force] [--verbose]`: builds the lab images through the
 * Docker Engine API. An image whose content-hash tag already exists is skipped, so a rerun with nothing
 * changed takes seconds. When no registry answers, the base image is bootstrapped from the Debian
 * mirror with debootstrap. See docs/images.md.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { delimiter, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { LabError, type ErrorCode } from '../lab-server/errors.ts';
import {
  BASE_IMAGE, HASH_TAG_PATTERN, IMAGE_LABEL, IMAGE_REPO_PREFIX, LAB_IMAGES,
  contextFiles, imageRefs, type ImageRefs, type LabImage,
} from '../lab-server/images.ts';

const PING_TIMEOUT_MS = 5_000;
const PULL_TIMEOUT_MS = 20_000;
/** docker's own unit for image sizes. */
const BYTES_PER_MB = 1_000_000;
/** Lines of a failing build step or bootstrap shown with the error. */
const FAILURE_TAIL_LINES = 40;
const DEBIAN_SUITE = 'trixie';
const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
const DEBIAN_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';
/** Step lines are cut here so a long RUN stays one terminal line. */
const STEP_LINE_CHARS = 110;
const ANSI_ESCAPE = /\x1b\[[0-9;]*m/g;
const BOOTSTRAP_TOOLS = ['debootstrap', 'mmdebstrap'] as const;
const USAGE = 'usage: npm run images [-- --only shell,web] [--force] [--verbose]';

class ImagesError extends LabError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ImagesError';
  }
}

const started = performance.now();
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
const step = (message: string) => console.log(`[${seconds(started).padStart(6)}s] ${message}`);

interface Options { only: readonly LabImage[]; force: boolean; verbose: boolean }

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, strict: true, options: {
      only: { type: 'string' }, force: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false },
    } }).values;
  } catch (error) {
    throw new ImagesError('BAD_FLAG', `${(error as Error).message}; ${USAGE}`, { cause: error });
  }
}

function parseOptions(argv: string[]): Options {
  const values = parseFlags(argv);
  const names = values.only?.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names?.filter((name) => !LAB_IMAGES.some((image) => image.name === name)) ?? [];
  if (unknown.length) {
    throw new ImagesError('BAD_FLAG', `Unknown image ${unknown.join(', ')}: --only takes a comma-separated list of ${LAB_IMAGES.map((i) => i.name).join(', ')}.`);
  }
  const only = names ? LAB_IMAGES.filter((image) => names.includes(image.name)) : LAB_IMAGES;
  return { only, force: values.force, verbose: values.verbose };
}

// ---------------------------------------------------------------------------------------------------
// Engine and Docker streams

async function checkEngine(docker: Docker): Promise<void> {
  const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS / 1000} s`)), PING_TIMEOUT_MS);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
  } catch (error) {
    throw new ImagesError('ENGINE_UNAVAILABLE', `The Docker Engine at ${where} does not answer (${(error as Error).message}): start Docker (for example \`sudo systemctl start docker\`) or set DOCKER_HOST to a running engine, then run \`npm run images\` again.`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

interface DockerEvent {
  stream?: string;
  status?: string;
  error?: string;
  aux?: { ID?: string };
}

/** The Engine answers builds, pulls and imports with newline-delimited JSON; chunks may split a line. */
async function* dockerEvents(stream: NodeJS.ReadableStream): AsyncGenerator<DockerEvent> {
  let pending = '';
  for await (const chunk of stream) {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) yield JSON.parse(line) as DockerEvent;
  }
  if (pending.trim()) yield JSON.parse(pending) as DockerEvent;
}

async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Base image: present, pulled, or bootstrapped from the Debian mirror

async function ensureBase(docker: Docker, options: Options, signal: AbortSignal): Promise<void> {
  if (await imageExists(docker, BASE_IMAGE)) {
    step(`base ${BASE_IMAGE} present`);
    return;
  }
  step(`base ${BASE_IMAGE} missing, pulling (at most ${PULL_TIMEOUT_MS / 1000} s)`);
  const pullFailure = await tryPull(docker, signal);
  if (!pullFailure) {
    step(`base ${BASE_IMAGE} pulled`);
    return;
  }
  step(`no registry answered (${pullFailure}); bootstrapping ${BASE_IMAGE} from ${DEBIAN_MIRROR}`);
  await bootstrapBase(docker, options, signal);
  step(`base ${BASE_IMAGE} imported`);
}

/** Resolves with why the pull failed, or undefined when the image arrived. */
async function tryPull(docker: Docker, signal: AbortSignal): Promise<string | undefined> {
  try {
    const abortSignal = AbortSignal.any([signal, AbortSignal.timeout(PULL_TIMEOUT_MS)]);
    for await (const event of dockerEvents(await docker.pull(BASE_IMAGE, { abortSignal }))) {
      if (event.error) return event.error.trim();
    }
    return (await imageExists(docker, BASE_IMAGE)) ? undefined : 'the pull finished without the image';
  } catch (error) {
    signal.throwIfAborted();
    return (error as Error).message.split('\n')[0]?.trim();
  }
}

async function findTool(names: readonly string[]): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}

async function bootstrapBase(docker: Docker, options: Options, signal: AbortSignal): Promise<void> {
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
    await importRootfs(docker, root, signal);
  } finally {
    await removeRootfs(root);
  }
}

/** debootstrap says four lines per package; only its stage lines, warnings and errors are worth reading. */
const BOOTSTRAP_NOISE = /^I: ((Retrieving|Validating|Extracting|Unpacking|Configuring) [a-z0-9][a-z0-9+.:-]*(\.\.\.| \S+)|Resolving dependencies of)/;

/** Runs a program to completion; rejects with the tail of its output when it fails. */
function run(command: string, args: string[], signal: AbortSignal, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { signal, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    const tail: string[] = [];
    const collect = (stream: NodeJS.ReadableStream) => {
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          tail.push(line);
          if (tail.length > FAILURE_TAIL_LINES) tail.shift();
          onLine(line);
        }
      });
    };
    collect(child.stdout);
    collect(child.stderr);
    child.on('error', (error) => reject(signal.aborted ? signal.reason : new ImagesError('COMMAND_FAILED', `${command} could not run: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new ImagesError('COMMAND_FAILED', `${command} ${args.join(' ')} failed with exit code ${code}; its last lines:\n${tail.join('\n')}`));
    });
  });
}

/**
 * The same minimising the official debian:*-slim images get (debuerreotype-slimify): no docs, man
 * pages or translations, now or in images built on top, apt tuned for containers, services never
 * started during builds, and nothing of this host (resolv.conf, hostname) baked in.
 */
async function slimRootfs(root: string): Promise<void> {
  const write = async (path: string, text: string, mode = 0o644) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
    await chmod(join(root, path), mode);
  };
  await write('etc/dpkg/dpkg.cfg.d/docker', [
    'path-exclude /usr/share/doc/*', 'path-include /usr/share/doc/*/copyright', 'path-exclude /usr/share/groff/*',
    'path-exclude /usr/share/info/*', 'path-exclude /usr/share/linda/*', 'path-exclude /usr/share/lintian/overrides/*',
    'path-exclude /usr/share/locale/*', 'path-exclude /usr/share/man/*', '',
  ].join('\n'));
  const cleanCache = '"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"';
  await write('etc/apt/apt.conf.d/docker-clean', `DPkg::Post-Invoke { ${cleanCache}; };\nAPT::Update::Post-Invoke { ${cleanCache}; };\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n`);
  await write('etc/apt/apt.conf.d/docker-no-languages', 'Acquire::Languages "none";\n');
  await write('etc/apt/apt.conf.d/docker-gzip-indexes', 'Acquire::GzipIndexes "true";\n');
  await write('etc/apt/apt.conf.d/docker-autoremove-suggests', 'Apt::AutoRemove::SuggestsImportant "false";\n');
  await write('usr/sbin/policy-rc.d', '#!/bin/sh\n# Containers run one process started by Docker; package scripts must not start services.\nexit 101\n', 0o755);
  const keyrings = await readdir(join(root, 'usr/share/keyrings'));
  const keyring = ['debian-archive-keyring.pgp', 'debian-archive-keyring.gpg'].find((name) => keyrings.includes(name));
  if (!keyring) throw new ImagesError('BOOTSTRAP_FAILED', `The bootstrapped tree in ${root} has no Debian archive keyring; the bootstrap did not complete.`);
  const signedBy = `Signed-By: /usr/share/keyrings/${keyring}`;
  await write('etc/apt/sources.list.d/debian.sources', [
    'Types: deb', `URIs: ${DEBIAN_MIRROR}`, `Suites: ${DEBIAN_SUITE} ${DEBIAN_SUITE}-updates`, 'Components: main', signedBy, '',
    'Types: deb', `URIs: ${DEBIAN_SECURITY_MIRROR}`, `Suites: ${DEBIAN_SUITE}-security`, 'Components: main', signedBy, '',
  ].join('\n'));
  for (const path of ['etc/apt/sources.list', 'etc/resolv.conf', 'etc/hostname']) await rm(join(root, path), { force: true });
  for (const dir of ['usr/share/man', 'usr/share/info', 'usr/share/groff', 'usr/share/linda', 'usr/share/lintian/overrides', 'usr/share/locale', 'var/lib/apt/lists', 'var/cache/apt/archives']) {
    await emptyDir(join(root, dir), (name) => name === 'lock' || name === 'partial');
  }
  for (const pkg of await readdir(join(root, 'usr/share/doc'))) await emptyDir(join(root, 'usr/share/doc', pkg), (name) => name === 'copyright');
  for (const name of await readdir(join(root, 'var/cache/apt'))) if (name.endsWith('.bin')) await rm(join(root, 'var/cache/apt', name));
}

async function emptyDir(dir: string, keep: (name: string) => boolean): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw error;
  }
  for (const name of names) if (!keep(name)) await rm(join(dir, name), { recursive: true, force: true });
}

async function importRootfs(docker: Docker, root: string, signal: AbortSignal): Promise<void> {
  // Docker gives every container its own /dev, /proc and /sys; the host's device nodes stay out.
  const tar = spawn('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '-C', root, '-c', '.'], { signal, stdio: ['ignore', 'pipe', 'pipe'] });
  let tarErrors = '';
  tar.stderr.on('data', (chunk: Buffer) => { tarErrors += chunk.toString(); });
  const tarDone = new Promise<void>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new ImagesError('BOOTSTRAP_FAILED', `tar of ${root} failed with exit code ${code}: ${tarErrors.trim()}`))));
  });
  // Imported untagged and tagged only once tar has exited cleanly: a truncated stream may still import.
  let imageId: string | undefined;
  try {
    const stream = await docker.importImage(tar.stdout, {
      abortSignal: signal,
      message: `${DEBIAN_SUITE} minbase bootstrapped from ${DEBIAN_MIRROR} by npm run images`,
      // What the official image configures; the label tells anyone inspecting a lab image where its base came from.
      changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["bash"]', 'LABEL bulkhead.base-source=debootstrap'],
    });
    for await (const event of dockerEvents(stream)) {
      if (event.error) throw new ImagesError('BOOTSTRAP_FAILED', `The Docker Engine refused the bootstrapped tree: ${event.error.trim()}`);
      if (event.status?.startsWith('sha256:')) imageId = event.status.trim();
    }
    await tarDone;
  } catch (error) {
    tar.kill();
    // The import's error is the one to report; tar ending early is its consequence.
    await tarDone.catch(() => undefined);
    if (imageId) await docker.getImage(imageId).remove();
    throw error;
  }
  if (!imageId) throw new ImagesError('BOOTSTRAP_FAILED', 'The Docker Engine imported the bootstrapped tree without naming the image it made.');
  const [repo, tag] = BASE_IMAGE.split(':');
  await docker.getImage(imageId).tag({ repo: repo ?? '', tag });
}

/** A failed bootstrap may leave /proc or /sys mounted inside the tree; deleting through them would reach the host. */
async function removeRootfs(root: string): Promise<void> {
  const mountsUnder = async () => (await readFile('/proc/self/mounts', 'utf8')).split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === root || point.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of await mountsUnder()) {
    // A failed umount is reported by the check below, with what to do about it.
    await run('umount', ['--lazy', point], new AbortController().signal, () => undefined).catch(() => undefined);
  }
  const left = await mountsUnder();
  if (left.length) {
    console.error(`  left ${root} in place because ${left.join(', ')} is still mounted; unmount it, then delete the folder`);
    return;
  }
  await rm(root, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------
// Lab images

interface Result { image: LabImage; refs: ImageRefs; outcome: 'built' | 'skipped'; sizeBytes: number; seconds: string }

async function buildImage(docker: Docker, image: LabImage, refs: ImageRefs, options: Options, signal: AbortSignal): Promise<void> {
  const tag = `[${image.name}]`;
  const stream = await docker.buildImage({ context: image.dir, src: await contextFiles(image.dir) }, {
    t: refs.hashTag, labels: { [IMAGE_LABEL]: image.name }, rm: true, forcerm: true, pull: false,
    // --force exists to pick up Debian updates, which cached RUN layers would hide.
    nocache: options.force, abortSignal: signal,
  });
  let currentStep = '(before the first step)';
  let stepOutput: string[] = [];
  let pending = '';
  const onLine = (raw: string) => {
    // The legacy builder colours a step's stderr; the escapes only garble a captured log.
    const line = raw.replace(ANSI_ESCAPE, '');
    if (/^Step \d+\/\d+ : /.test(line)) {
      currentStep = line.length > STEP_LINE_CHARS ? `${line.slice(0, STEP_LINE_CHARS - 3)}...` : line;
      stepOutput = [];
      console.log(`  ${tag} ${currentStep}`);
    } else if (/^ ---> |^Removing intermediate container |^Successfully (built|tagged) /.test(line)) {
      // the legacy builder's bookkeeping
    } else {
      stepOutput.push(line);
      if (stepOutput.length > FAILURE_TAIL_LINES) stepOutput.shift();
      if (options.verbose) console.log(`  ${tag}   ${line}`);
    }
  };
  for await (const event of dockerEvents(stream)) {
    if (event.stream) {
      const lines = (pending + event.stream).split('\n');
      pending = lines.pop() ?? '';
      lines.filter((line) => line.trim()).forEach(onLine);
    }
    if (event.error) {
      if (pending.trim()) onLine(pending);
      if (!options.verbose) for (const line of stepOutput) console.error(`  ${tag}   ${line}`);
      // The builder repeats the whole RUN command in its error; the step line above already names it.
      const exit = /returned a non-zero code: (\d+)/.exec(event.error);
      const why = exit ? `the command exited with code ${exit[1]} (its output is above)` : event.error.trim();
      throw new ImagesError('BUILD_FAILED', `Building ${refs.hashTag} failed at ${currentStep}: ${why}; fix ${relative(process.cwd(), image.dir) || image.dir}/Dockerfile and run \`npm run images\` again.`);
    }
  }
  if (!(await imageExists(docker, refs.hashTag))) {
    throw new ImagesError('BUILD_FAILED', `Building ${refs.hashTag} ended without an image; rerun with --verbose to see every line.`);
  }
  const [repo, version] = refs.readableTag.split(':');
  await docker.getImage(refs.hashTag).tag({ repo: repo ?? '', tag: version });
}

/**
 * Earlier builds of this image: older content-hash tags, which the lab-server can no longer reach, and
 * untagged builds that a --force rebuild replaced. An image that also carries any other tag (a readable
 * tag of another version, a tag someone added by hand) keeps that tag, and Docker refuses (409) to delete
 * one a container still uses.
 */
async function removeSuperseded(docker: Docker, image: LabImage, refs: ImageRefs): Promise<void> {
  const repo = `${IMAGE_REPO_PREFIX}${image.name}`;
  const isStale = (ref: string) => ref.startsWith(`${repo}:`) && HASH_TAG_PATTERN.test(ref.slice(repo.length + 1)) && ref !== refs.hashTag;
  const images = await docker.listImages({ filters: JSON.stringify({ label: [`${IMAGE_LABEL}=${image.name}`] }) });
  for (const info of images) {
    const tags = (info.RepoTags ?? []).filter((ref) => ref !== '<none>:<none>');
    const targets = tags.length ? tags.filter(isStale) : [info.Id];
    for (const target of targets) {
      const what = target === info.Id ? `superseded build ${info.Id.slice(7, 19)}` : `stale tag ${target}`;
      try {
        await docker.getImage(target).remove();
        step(`${image.name}: removed ${what}`);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 409) throw error;
        step(`${image.name}: kept ${what}, a container still uses it`);
      }
    }
  }
}

async function ensureImage(docker: Docker, image: LabImage, options: Options, signal: AbortSignal): Promise<Result> {
  const since = performance.now();
  const refs = await imageRefs(image.name);
  let outcome: Result['outcome'] = 'skipped';
  if (!options.force && (await imageExists(docker, refs.hashTag))) {
    step(`${image.name}: ${refs.hashTag} up to date`);
    // The readable tag may have been moved or deleted by hand; it costs nothing to put it back.
    if (!(await imageExists(docker, refs.readableTag))) {
      const [repo, version] = refs.readableTag.split(':');
      await docker.getImage(refs.hashTag).tag({ repo: repo ?? '', tag: version });
    }
  } else {
    step(`${image.name}: building ${refs.hashTag}${options.force ? ' (--force, no cache)' : ''}`);
    await buildImage(docker, image, refs, options, signal);
    outcome = 'built';
    step(`${image.name}: built ${refs.hashTag} and ${refs.readableTag} in ${seconds(since)} s`);
  }
  await removeSuperseded(docker, image, refs);
  const info = await docker.getImage(refs.hashTag).inspect();
  return { image, refs, outcome, sizeBytes: info.Size, seconds: seconds(since) };
}

function printSummary(results: readonly Result[]): void {
  const rows = [['image', 'tags', 'size MB', 'result', 'seconds'], ...results.map((r) => [
    r.image.name, `${r.refs.hashTag}, ${r.refs.readableTag}`, (r.sizeBytes / BYTES_PER_MB).toFixed(1), r.outcome, r.seconds,
  ])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log('');
  for (const row of rows) console.log(row.map((cell, column) => (column >= 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  '));
}

const controller = new AbortController();

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  // once: a second Ctrl-C falls through to Node's default and ends the process at once.
  process.once('SIGINT', () => controller.abort(new ImagesError('INTERRUPTED', 'Interrupted; nothing half-built was tagged, so `npm run images` picks up where it stopped.')));
  const docker = new Docker();
  step('checking the Docker Engine');
  await checkEngine(docker);
  await ensureBase(docker, options, controller.signal);
  const results: Result[] = [];
  for (const image of options.only) results.push(await ensureImage(docker, image, options, controller.signal));
  printSummary(results);
  step(`done: ${results.filter((r) => r.outcome === 'built').length} built, ${results.filter((r) => r.outcome === 'skipped').length} up to date`);
}

try {
  await main();
} catch (error) {
  // After Ctrl-C, whatever call was in flight fails with a bare AbortError; the reason says it better.
  const reported: unknown = controller.signal.aborted ? controller.signal.reason : error;
  if (!(reported instanceof LabError)) throw reported;
  console.error(`npm run images: ${reported.message}`);
  process.exitCode = 1;
}
