/** Lab images: built through the Engine with one line per step, tagged twice, earlier builds removed. */
import { relative } from 'node:path';
import type { Engine } from '../../lab-server/engine/client.ts';
import { HASH_TAG_PATTERN, IMAGE_LABEL, IMAGE_REPO_PREFIX, contextFiles, imageRefs, type ImageRefs, type LabImage } from '../../lab-server/images.ts';
import { dockerEvents, imageExists } from './engine-streams.ts';
import type { Options } from './flags.ts';
import { FAILURE_TAIL_LINES, ImagesError, seconds, step } from './report.ts';

/** docker's own unit for image sizes. */
const BYTES_PER_MB = 1_000_000;
/** Step lines are cut here so a long RUN stays one terminal line. */
const STEP_LINE_CHARS = 110;
const ANSI_ESCAPE = /\x1b\[[0-9;]*m/g;

export interface Result { image: LabImage; refs: ImageRefs; outcome: 'built' | 'skipped'; sizeBytes: number; seconds: string }

export async function buildImage(engine: Engine, image: LabImage, refs: ImageRefs, options: Options, signal: AbortSignal): Promise<void> {
  const tag = `[${image.name}]`;
  const stream = await engine.docker.buildImage({ context: image.dir, src: await contextFiles(image.dir) }, {
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
  if (!(await imageExists(engine, refs.hashTag))) {
    throw new ImagesError('BUILD_FAILED', `Building ${refs.hashTag} ended without an image; rerun with --verbose to see every line.`);
  }
  await tagReadable(engine, refs);
}

/** The version tag (`bulkhead/shell:1.0`) on the content-hash build. */
async function tagReadable(engine: Engine, refs: ImageRefs): Promise<void> {
  const [repo, version] = refs.readableTag.split(':');
  await engine.run(`tag ${refs.hashTag} as ${refs.readableTag}`, (docker) => docker.getImage(refs.hashTag).tag({ repo: repo ?? '', tag: version }));
}

/**
 * Earlier builds of this image: older content-hash tags, which the lab-server can no longer reach, and
 * untagged builds that a --force rebuild replaced. An image that also carries any other tag (a readable
 * tag of another version, a tag someone added by hand) keeps that tag, and Docker refuses (409) to delete
 * one a container still uses.
 */
export async function removeSuperseded(engine: Engine, image: LabImage, refs: ImageRefs): Promise<void> {
  const repo = `${IMAGE_REPO_PREFIX}${image.name}`;
  const isStale = (ref: string) => ref.startsWith(`${repo}:`) && HASH_TAG_PATTERN.test(ref.slice(repo.length + 1)) && ref !== refs.hashTag;
  const images = await engine.must(`list the builds of ${image.name}`, (docker) => docker.listImages({ filters: JSON.stringify({ label: [`${IMAGE_LABEL}=${image.name}`] }) }));
  for (const info of images) {
    const tags = (info.RepoTags ?? []).filter((ref) => ref !== '<none>:<none>');
    const targets = tags.length ? tags.filter(isStale) : [info.Id];
    for (const target of targets) {
      const what = target === info.Id ? `superseded build ${info.Id.slice(7, 19)}` : `stale tag ${target}`;
      const removed = await engine.run(`remove ${what}`, (docker) => docker.getImage(target).remove(), [409]);
      step(removed === undefined ? `${image.name}: kept ${what}, a container still uses it` : `${image.name}: removed ${what}`);
    }
  }
}

export async function ensureImage(engine: Engine, image: LabImage, options: Options, signal: AbortSignal): Promise<Result> {
  const since = performance.now();
  const refs = await imageRefs(image.name);
  let outcome: Result['outcome'] = 'skipped';
  if (!options.force && (await imageExists(engine, refs.hashTag))) {
    step(`${image.name}: ${refs.hashTag} up to date`);
    // The readable tag may have been moved or deleted by hand; it costs nothing to put it back.
    if (!(await imageExists(engine, refs.readableTag))) await tagReadable(engine, refs);
  } else {
    step(`${image.name}: building ${refs.hashTag}${options.force ? ' (--force, no cache)' : ''}`);
    await buildImage(engine, image, refs, options, signal);
    outcome = 'built';
    step(`${image.name}: built ${refs.hashTag} and ${refs.readableTag} in ${seconds(since)} s`);
  }
  await removeSuperseded(engine, image, refs);
  const info = await engine.must(`inspect ${refs.hashTag}`, (docker) => docker.getImage(refs.hashTag).inspect());
  return { image, refs, outcome, sizeBytes: info.Size, seconds: seconds(since) };
}

export function printSummary(results: readonly Result[]): void {
  const rows = [['image', 'tags', 'size MB', 'result', 'seconds'], ...results.map((r) => [
    r.image.name, `${r.refs.hashTag}, ${r.refs.readableTag}`, (r.sizeBytes / BYTES_PER_MB).toFixed(1), r.outcome, r.seconds,
  ])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log('');
  for (const row of rows) console.log(row.map((cell, column) => (column >= 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  '));
}
