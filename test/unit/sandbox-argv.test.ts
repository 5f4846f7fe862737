import { describe, expect, it } from 'vitest';
import { parseSandboxArgs, sandboxExecArgv } from '../../scripts/sandbox-argv.ts';

describe('npm run sandbox command line', () => {
  it('takes everything after the first -- as the command, verbatim, further -- included', () => {
    expect(parseSandboxArgs(['other', '--', 'sh', '-c', 'exit 7'])).toEqual({ kind: 'open', lab: 'other', command: ['sh', '-c', 'exit 7'] });
    expect(parseSandboxArgs(['demo', '--', 'echo', '--', '-n', ''])).toEqual({ kind: 'open', lab: 'demo', command: ['echo', '--', '-n', ''] });
  });

  it('opens an interactive shell for a lab alone or a lab and a bare --', () => {
    expect(parseSandboxArgs(['demo'])).toEqual({ kind: 'open', lab: 'demo', command: [] });
    expect(parseSandboxArgs(['demo', '--'])).toEqual({ kind: 'open', lab: 'demo', command: [] });
  });

  it('lists on --list alone and answers usage for anything it cannot read', () => {
    expect(parseSandboxArgs(['--list'])).toEqual({ kind: 'list' });
    for (const argv of [[], ['--list', 'demo'], ['-x'], ['demo', 'ls'], ['demo', '-c', 'ls']]) {
      expect(parseSandboxArgs(argv)).toEqual({ kind: 'usage' });
    }
  });
});

describe('what runs in the sandbox', () => {
  it('is an interactive login shell when no command is given', () => {
    expect(sandboxExecArgv([])).toEqual(['bash', '-l']);
  });

  it('passes the command as an argv after a login shell exec, never joined into one string', () => {
    const command = ['sh', '-c', 'exit 7'];
    const argv = sandboxExecArgv(command);
    expect(argv).toEqual(['bash', '-lc', 'exec "$@"', 'bash', 'sh', '-c', 'exit 7']);
    expect(argv.slice(4)).toEqual(command);
  });

  it('keeps arguments with spaces, quotes, globs and dollars whole and unchanged', () => {
    const awkward = [`a b "c" 'd'`, '$HOME', '*', '', '-l'];
    expect(sandboxExecArgv(['printf', '<%s>\\n', ...awkward]).slice(4)).toEqual(['printf', '<%s>\\n', ...awkward]);
  });
});
