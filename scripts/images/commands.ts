/** The host programs the base-image bootstrap runs (debootstrap, tar, umount), found on PATH and run to completion. */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { FAILURE_TAIL_LINES, ImagesError } from './report.ts';

export async function findTool(names: readonly string[]): Promise<string | undefined> {
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

/** Runs a program to completion; rejects with the tail of its output when it fails. */
export function run(command: string, args: string[], signal: AbortSignal, onLine: (line: string) => void): Promise<void> {
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
