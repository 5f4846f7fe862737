/**
 * The dependency rules of .dependency-cruiser.cjs, run by `npm run deps` in `npm test`, proven able to
 * fail: a small tree with one violation of each kind is cruised with the project's own config.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const dirs: string[] = [];

function cruise(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-deps-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true, module: 'nodenext' } }));
  for (const room of ['lab-server', 'src']) mkdirSync(join(dir, room));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  try {
    execFileSync(process.execPath, [CLI, 'lab-server', 'src', '--config', CONFIG, '--output-type', 'err'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}` || String(error);
  }
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the dependency rules', () => {
  it('pass a tree whose arrows point down the list', () => {
    expect(cruise({
      'lab-server/app.ts': "import { Router } from './http/router.ts';\nexport const app = Router;\n",
      'lab-server/http/router.ts': "import { LabError } from '../errors.ts';\nexport const Router = LabError;\n",
      'lab-server/errors.ts': 'export const LabError = 1;\n',
    })).toBe('');
  });

  it('fail on an import cycle', () => {
    expect(cruise({
      'lab-server/store/a.ts': "import { b } from './b.ts';\nexport const a = b;\n",
      'lab-server/store/b.ts': "import { a } from './a.ts';\nexport const b = a;\n",
    })).toMatch(/no-cycles/);
  });

  it('fail on an arrow that runs back up the list, and on a room importing app.ts', () => {
    const out = cruise({
      'lab-server/runtime/r.ts': "import { w } from '../workshops/w.ts';\nexport const r = w;\n",
      'lab-server/workshops/w.ts': 'export const w = 1;\n',
      'lab-server/store/s.ts': "import { app } from '../app.ts';\nexport const s = app;\n",
      'lab-server/app.ts': 'export const app = 1;\n',
    });
    expect(out).toMatch(/no-import-up-from-level-\d+: lab-server\/runtime\/r\.ts → lab-server\/workshops\/w\.ts/);
    expect(out).toMatch(/only-main-imports-app: lab-server\/store\/s\.ts → lab-server\/app\.ts/);
  });

  it('fail when the site imports from lab-server', () => {
    expect(cruise({
      'src/lib/view.ts': "import { x } from '../../lab-server/labels.ts';\nexport const v = x;\n",
      'lab-server/labels.ts': 'export const x = 1;\n',
    })).toMatch(/site-not-to-lab-server/);
  });

  it('fail on a lab-server module in no listed room', () => {
    expect(cruise({
      'lab-server/stray/s.ts': "import { x } from '../labels.ts';\nexport const s = x;\n",
      'lab-server/labels.ts': 'export const x = 1;\n',
    })).toMatch(/every-room-is-listed/);
  });
});
