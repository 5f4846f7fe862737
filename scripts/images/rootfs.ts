/**
 * The bootstrapped Debian tree: slimmed as the official slim image is, imported into the Engine as the
 * base image, and removed safely afterwards.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine } from '../../lab-server/engine/client.ts';
import { BASE_IMAGE } from '../../lab-server/images.ts';
import { run } from './commands.ts';
import { dockerEvents } from './engine-streams.ts';
import { ImagesError } from './report.ts';

export const DEBIAN_SUITE = 'trixie';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
const DEBIAN_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';

/**
 * The same minimising the official debian:*-slim images get (debuerreotype-slimify): no docs, man
 * pages or translations, now or in images built on top, apt tuned for containers, services never
 * started during builds, and nothing of this host (resolv.conf, hostname) baked in.
 */
export async function slimRootfs(root: string): Promise<void> {
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

export async function importRootfs(engine: Engine, root: string, signal: AbortSignal): Promise<void> {
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
    const stream = await engine.docker.importImage(tar.stdout, {
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
    if (imageId) await engine.run(`remove the half-imported ${imageId}`, (docker) => docker.getImage(imageId!).remove(), [404]);
    throw error;
  }
  if (!imageId) throw new ImagesError('BOOTSTRAP_FAILED', 'The Docker Engine imported the bootstrapped tree without naming the image it made.');
  const [repo, tag] = BASE_IMAGE.split(':');
  await engine.run(`tag ${imageId} as ${BASE_IMAGE}`, (docker) => docker.getImage(imageId).tag({ repo: repo ?? '', tag }));
}

/** A failed bootstrap may leave /proc or /sys mounted inside the tree; deleting through them would reach the host. */
export async function removeRootfs(root: string): Promise<void> {
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
