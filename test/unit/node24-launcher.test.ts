import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Launcher {
  runsProjectTypeScript(version: string): boolean;
  canBeHelped(version: string): boolean;
  toolsNode(toolsDir: string): { bin: string; version: string | null; usable: boolean };
  targetFile(root: string, target: string): string | null;
  childEnv(env: Record<string, string>, nodeBin: string): Record<string, string>;
  npmCommand(env: Record<string, string>): { file: string; args: string[] };
}
// CommonJS on purpose (it must parse on any old Node), so it is required, not imported.
const launcher = createRequire(import.meta.url)('../../scripts/node24.cjs') as Launcher;

describe('the Node 24 launcher', () => {
  it('runs in place only on Nodes whose type stripping is on by default (22.18+, 23.6+)', () => {
    for (const version of ['24.21.0', 'v24.0.0', '22.18.0', '22.22.1', '23.6.0', '25.1.0', '26.0.0']) expect(launcher.runsProjectTypeScript(version)).toBe(true);
    for (const version of ['20.20.2', 'v18.19.1', '22.12.0', '22.17.1', '23.5.0', '21.7.3', '16.20.2', 'garbage']) expect(launcher.runsProjectTypeScript(version)).toBe(false);
  });

  it('helps Nodes from 20.19 on, whose npm installs every package Bulkhead needs', () => {
    for (const version of ['20.19.0', '20.20.2', '21.0.0', '22.12.0', '24.21.0']) expect(launcher.canBeHelped(version)).toBe(true);
    for (const version of ['20.18.3', '18.20.8', '18.19.0', '16.20.2', '12.22.12', 'garbage']) expect(launcher.canBeHelped(version)).toBe(false);
  });

  it('uses a tools folder only when its node package is a version that runs the project', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-tools-'));
    expect(launcher.toolsNode(dir).usable).toBe(false);
    const pkg = join(dir, 'node_modules', 'node');
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    writeFileSync(join(pkg, 'bin', 'node'), '');
    expect(launcher.toolsNode(dir)).toEqual({ bin: join(pkg, 'bin', 'node'), version: null, usable: false }); // a partial install
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'node', version: '22.12.0' }));
    expect(launcher.toolsNode(dir).usable).toBe(false);
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'node', version: '24.21.0' }));
    expect(launcher.toolsNode(dir)).toEqual({ bin: join(pkg, 'bin', 'node'), version: '24.21.0', usable: true });
    rmSync(dir, { recursive: true });
  });

  it('finds a command name in the bin field of the project\'s dependencies, and a file as a path', () => {
    expect(launcher.targetFile(ROOT, 'astro')).toBe(join(ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs'));
    expect(launcher.targetFile(ROOT, 'depcruise')).toBe(join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs'));
    expect(launcher.targetFile(ROOT, 'no-such-command')).toBeNull();
    expect(launcher.targetFile(ROOT, join(ROOT, 'scripts', 'start.ts'))).toBe(join(ROOT, 'scripts', 'start.ts'));
    expect(launcher.targetFile(ROOT, join(ROOT, 'scripts', 'missing.ts'))).toBeNull();
  });

  it('puts the child Node first on PATH and leaves the rest of the environment as it is', () => {
    const bin = '/x/.tools/node_modules/node/bin/node';
    expect(launcher.childEnv({ PATH: `/usr/bin${delimiter}/bin`, KEEP: 'me' }, bin)).toEqual({ PATH: `${dirname(bin)}${delimiter}/usr/bin${delimiter}/bin`, KEEP: 'me' });
    expect(launcher.childEnv({}, bin)).toEqual({ PATH: dirname(bin) });
  });

  it('fetches with the npm that ran the script when npm says which, else the npm on PATH', () => {
    expect(launcher.npmCommand({ npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js' })).toEqual({ file: process.execPath, args: ['/usr/lib/node_modules/npm/bin/npm-cli.js'] });
    expect(launcher.npmCommand({ npm_execpath: '/usr/lib/node_modules/pnpm/bin/pnpm.cjs' }).args).toEqual([]);
    expect(launcher.npmCommand({}).args).toEqual([]);
  });
});
