/**
 * The command line of `npm run sandbox`, turned into what runs in the sandbox. Pure, so the argv passing is
 * unit-tested without a Docker Engine.
 */

export type SandboxRequest =
  | { kind: 'list' }
  | { kind: 'open'; lab: string; command: string[] }
  | { kind: 'usage' };

/** `--list`, or `LAB`, or `LAB -- COMMAND [ARG...]`; everything after the first `--` is the command, verbatim. */
export function parseSandboxArgs(argv: readonly string[]): SandboxRequest {
  if (argv.length === 1 && argv[0] === '--list') return { kind: 'list' };
  const [lab, separator, ...command] = argv;
  if (!lab || lab.startsWith('-') || (separator !== undefined && separator !== '--')) return { kind: 'usage' };
  return { kind: 'open', lab, command };
}

/**
 * The argv to exec as the learner: an interactive login shell when there is no command; otherwise the command
 * itself, each argument kept whole as `docker exec` keeps it. It still starts from a login shell, because the
 * learner's PATH comes from /etc/profile.d; `exec "$@"` then replaces that shell with the command, so no
 * shell splits or re-reads the arguments.
 */
export function sandboxExecArgv(command: readonly string[]): string[] {
  if (command.length === 0) return ['bash', '-l'];
  return ['bash', '-lc', 'exec "$@"', 'bash', ...command];
}
