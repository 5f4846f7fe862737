/**
 * `npm start` and every `.ts` script on a machine whose Node is too old to run them: the machine's own old
 * Node runs scripts/node24.cjs, which re-runs the target under Node 24 from the tools folder.
 * Never writes into the project's shared .tools/: a test that needs a download gets a temporary folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/lab-server-process.ts';
import { leftovers, testRuntime, uniqueInstance } from '../helpers/docker.ts';

interface Launcher {
  runsProjectTypeScript(version: string): boolean;
  canBeHelped(version: string): boolean;
  toolsNode(toolsDir: string): { bin: string; version: string | null; usable: boolean };
}
const launcher = createRequire(import.meta.url)('../../scripts/node24.cjs') as Launcher;
const LAUNCHER = join(ROOT, 'scripts', 'node24.cjs');
const DOWNLOAD_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 90_000;

/** The machine's own Node when it is one the launcher exists for (20.19 up to 22.17): /usr/bin/node first. */
function findOldNode(): { file: string; version: string } | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'node'));
  for (const file of new Set(['/usr/bin/node', '/usr/local/bin/node', ...onPath])) {
    if (!existsSync(file)) continue;
    const version = spawnSync(file, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    if (launcher.canBeHelped(version) && !launcher.runsProjectTypeScript(version)) return { file, version };
  }
  return undefined;
}

const made: string[] = [];
/** A temporary folder removed after the file's tests (a fetched Node is 120 MB unpacked). */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const OLD = findOldNode();
const scratch = tempDir('bulkhead-old-node-');
/** The project's .tools when it already holds Node 24; otherwise a folder of this run's own. */
const PROJECT_TOOLS = join(ROOT, '.tools');
const TOOLS_DIR = launcher.toolsNode(PROJECT_TOOLS).usable ? PROJECT_TOOLS : tempDir('bulkhead-tools-');

function target(name: string, source: string): string {
  const file = join(scratch, name);
  writeFileSync(file, source);
  return file;
}

interface Run { child: ChildProcess; stdout: () => string; stderr: () => string; done: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

function launch(args: string[], env: NodeJS.ProcessEnv = {}, nodeFlags: string[] = []): Run {
  const child = spawn(OLD!.file, [...nodeFlags, LAUNCHER, ...args], { cwd: ROOT, env: { ...process.env, BULKHEAD_TOOLS_DIR: TOOLS_DIR, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The processes of a process group, from /proc (this suite runs where an old Node is, on Linux). */
function processesInGroup(pgid: number): { pid: number; argv: string[] }[] {
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so count from the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      found.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const PROBE = target('probe.ts', `
const report: Record<string, unknown> = {
  node: process.versions.node, args: process.argv.slice(2), execArgv: process.execArgv, main: import.meta.main,
  probe: process.env.PROBE, firstOnPath: (process.env.PATH ?? '').split(${JSON.stringify(delimiter)})[0], execPath: process.execPath,
};
console.log(JSON.stringify(report));
process.exitCode = 7;
`);

const title = OLD
  ? `scripts/node24.cjs under the machine's Node ${OLD.version} (${OLD.file})`
  : 'scripts/node24.cjs under an old Node (skipped: this machine has no Node 20.19 to 22.17 to run it with)';

describe.skipIf(!OLD)(title, () => {
  beforeAll(async () => {
    // Without Node 24 in the project's .tools, this run's own folder gets it first, so each test sees a fetched one.
    if (TOOLS_DIR !== PROJECT_TOOLS) expect((await launch([PROBE]).done).code).toBe(7);
  }, DOWNLOAD_TIMEOUT_MS);

  it('runs a .ts target under Node 24 from the tools folder, with the Node flags given before the launcher', async () => {
    const run = launch([PROBE, 'x'], {}, ['--max-semi-space-size=2']);
    expect(await run.done).toEqual({ code: 7, signal: null });
    expect(run.stderr()).toBe('');
    const report = JSON.parse(run.stdout()) as Record<string, unknown>;
    const tools = launcher.toolsNode(TOOLS_DIR);
    expect(report.node).toBe(tools.version);
    expect(String(report.node)).toMatch(/^24\./);
    expect(report.execPath).toBe(realpathSync(tools.bin));
    expect(report.execArgv).toEqual(['--max-semi-space-size=2']);
    expect(report.args).toEqual(['x']);
    expect(report.main).toBe(true);
    expect(report.firstOnPath).toBe(dirname(tools.bin)); // so nested `node` and `npm run` use Node 24 as well
  });

  it('says where Node flags go when one is given after the launcher', async () => {
    const run = launch(['--max-semi-space-size=2', PROBE]);
    expect(await run.done).toEqual({ code: 2, signal: null });
    expect(run.stderr()).toMatch(/^Node flags go before the launcher/);
  });

  it('hands on every argument whole, the environment, and the exit code', async () => {
    const run = launch([PROBE, 'a', 'b c', `it's "quoted"`, '', '--flag-for-the-target'], { PROBE: 'passed' });
    const { code } = await run.done;
    expect(code).toBe(7);
    expect(run.stderr()).toBe('');
    const report = JSON.parse(run.stdout()) as Record<string, unknown>;
    expect(String(report.node)).toMatch(/^24\./);
    expect(report.args).toEqual(['a', 'b c', `it's "quoted"`, '', '--flag-for-the-target']);
    expect(report.execArgv).toEqual([]);
    expect(report.probe).toBe('passed');
  });

  it('forwards SIGTERM to the target and ends with the exit code the target chose', async () => {
    const file = target('term.ts', `
process.on('SIGTERM', () => { console.log('got SIGTERM in ' + process.versions.node); process.exit(42); });
console.log('ready');
setInterval(() => {}, 1000);
`);
    const run = launch([file]);
    await until(() => run.stdout().includes('ready'), 'the target to start');
    run.child.kill('SIGTERM');
    expect(await run.done).toEqual({ code: 42, signal: null });
    expect(run.stdout()).toMatch(/got SIGTERM in 24\./);
  });

  it('dies of the signal the target died of, so npm and shells see a Ctrl-C', async () => {
    const file = target('plain.ts', "console.log('ready'); setInterval(() => {}, 1000);\n");
    const run = launch([file]);
    await until(() => run.stdout().includes('ready'), 'the target to start');
    run.child.kill('SIGINT');
    expect(await run.done).toEqual({ code: null, signal: 'SIGINT' });
  });

  it('fetches Node 24 into an empty tools folder on first use, saying so in one line, and not again', async () => {
    const tools = tempDir('bulkhead-tools-');
    const first = launch([PROBE, 'fetched'], { BULKHEAD_TOOLS_DIR: tools });
    expect((await first.done).code).toBe(7);
    const lines = first.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Node ${OLD!.version.replace(/\./g, '\\.')} cannot run Bulkhead \\(it needs 22\\.18 or newer\\): fetching Node 24 from the npm registry into `));
    expect(launcher.toolsNode(tools).usable).toBe(true);
    expect(JSON.parse(first.stdout())).toMatchObject({ args: ['fetched'], execPath: realpathSync(launcher.toolsNode(tools).bin) });

    const second = launch([PROBE], { BULKHEAD_TOOLS_DIR: tools });
    expect((await second.done).code).toBe(7);
    expect(second.stderr()).toBe('');
  }, DOWNLOAD_TIMEOUT_MS);

  it('tells a Node older than 20.19 in one sentence to install Node 24 and npm install again', async () => {
    // The version is faked by a preload: a real Node 16 was checked by hand (it parses the launcher and says this).
    const preload = target('pretend-18.cjs', "Object.defineProperty(process.versions, 'node', { value: '18.20.8' });\n");
    const run = launch([PROBE], {}, ['--require', preload]);
    expect(await run.done).toEqual({ code: 1, signal: null });
    expect(run.stderr()).toBe('Node 18.20.8 is too old for Bulkhead (npm install under it skips packages that need 20.19 or newer): install Node 24 (`nvm install` reads .nvmrc), then run `npm install` and the command again.\n');
    expect(run.stdout()).toBe('');
  });

  it('says in one sentence what to do when there is no npm to fetch Node 24 with', async () => {
    const tools = tempDir('bulkhead-tools-');
    const env: NodeJS.ProcessEnv = { BULKHEAD_TOOLS_DIR: tools, PATH: join(scratch, 'no-such-dir'), npm_execpath: '' };
    const run = launch([PROBE], env);
    expect(await run.done).toEqual({ code: 1, signal: null });
    const lines = run.stderr().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('npm was not found, so Node 24 cannot be fetched: install Node 24 yourself (`nvm install` reads .nvmrc) and run the command again.');
    expect(run.stdout()).toBe('');
  });

  it('says in one sentence what to do when the download fails, after npm\'s own reason and with no stack trace', async () => {
    const tools = tempDir('bulkhead-tools-');
    const run = launch([PROBE], {
      BULKHEAD_TOOLS_DIR: tools, PATH: `${dirname(OLD!.file)}${delimiter}/usr/bin${delimiter}/bin`, npm_execpath: '',
      npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0', npm_config_cache: tempDir('bulkhead-npm-cache-'),
    });
    expect(await run.done).toEqual({ code: 1, signal: null });
    const stderr = run.stderr().trim();
    expect(stderr.split('\n').at(-1)).toMatch(/^Fetching Node 24 with npm failed \(exit \d+, npm says why above\): check the network and npm registry settings, or install Node 24 yourself/);
    expect(stderr).toMatch(/ECONNREFUSED/);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(launcher.toolsNode(tools).usable).toBe(false);
  }, DOWNLOAD_TIMEOUT_MS);
});

describe.skipIf(!OLD)(`npm start with the machine's old Node first on PATH${OLD ? '' : ' (skipped: no Node 20.19 to 22.17 here)'}`, () => {
  const instance = uniqueInstance('old-node');
  let npm: ChildProcess | undefined;

  afterAll(async () => {
    if (npm?.pid !== undefined && npm.exitCode === null) {
      try { process.kill(-npm.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  });

  it('serves /healthz and stops cleanly on SIGTERM, leaving no process or container behind', async () => {
    const site = tempDir('bulkhead-site-');
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>stub</title>'); // so npm start does not build the site
    // A user's shell: no npm_* variables of the npm that may be running these tests.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_')));
    npm = spawn('npm', ['start'], {
      cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...env, PATH: `${dirname(OLD!.file)}${delimiter}${process.env.PATH ?? ''}`, BULKHEAD_TOOLS_DIR: TOOLS_DIR,
        PORT: '0', HOST: '127.0.0.1', DATA_DIR: tempDir('bulkhead-data-'), SITE_DIR: site, BULKHEAD_INSTANCE: instance, WARM_POOL_SIZE: '0', DRAIN_GRACE_S: '0',
      },
    });
    let output = '';
    npm.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    npm.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm!.on('exit', (code, signal) => resolve({ code, signal })));

    await until(() => /running at http:\/\/[^\s"]+/.test(output) || npm!.exitCode !== null, 'npm start to print its URL', START_TIMEOUT_MS);
    const url = /running at (http:\/\/[^\s"]+)/.exec(output)?.[1];
    expect(url, output).toBeDefined();
    expect(output).toMatch(new RegExp(`> node --max-semi-space-size=2 scripts/node24\\.cjs scripts/start\\.ts`));
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });

    // Stopped as a supervisor stops a service: SIGTERM to its main process, the launcher (npm's own child is
    // a `sh -c`, which would die of it and leave the rest running, with or without the launcher).
    const group = processesInGroup(npm.pid!);
    const launcherProcess = group.find((p) => p.argv[0] === 'node' && p.argv.includes('scripts/node24.cjs'));
    expect(launcherProcess, JSON.stringify(group)).toBeDefined();
    expect(group.some((p) => p.argv[0] === realpathSync(launcher.toolsNode(TOOLS_DIR).bin) || p.argv[0] === launcher.toolsNode(TOOLS_DIR).bin)).toBe(true);
    process.kill(launcherProcess!.pid, 'SIGTERM');
    expect(await exited, output).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/SIGTERM: draining/);
    // npm, its shell, the launcher under the old Node and Node 24 were one process group: none of it is left.
    expect(processesInGroup(npm.pid!)).toEqual([]);
    expect(await leftovers(testRuntime(instance), instance)).toBe(0);
  }, START_TIMEOUT_MS + 30_000);
});
