/**
 * The Dockerfile of a learner's build, read the way the classic builder's parser reads it (parser
 * directives, escape character, line continuations, comments inside continuations), checked, and
 * written back one instruction per line with image references replaced by the engine's names. The
 * builder then runs exactly the instructions that were checked.
 */
import { posix } from 'node:path';
import { badRequest, forbidden } from './refusal.ts';
import { isReservedLabel } from './naming.ts';

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuations joined, as the builder sees it. */
  rest: string;
}

export interface ParsedDockerfile {
  escape: '\\' | '`';
  instructions: Instruction[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const MAX_DOCKERFILE_BYTES = 256 * 1024;
const KNOWN = ['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL'];

export function parseDockerfile(bytes: Buffer): ParsedDockerfile {
  if (bytes.length > MAX_DOCKERFILE_BYTES) throw badRequest('the Dockerfile is too large.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('the Dockerfile is not valid UTF-8.');
  }
  const lines = text.replace(/^\ufeff/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  let escape: '\\' | '`' = '\\';
  let i = 0;
  const seenDirectives = new Set<string>();
  for (; i < lines.length; i++) {
    const match = DIRECTIVE.exec(lines[i]!);
    if (!match) break;
    const name = match[1]!.toLowerCase();
    if (seenDirectives.has(name)) throw badRequest(`the Dockerfile repeats the parser directive "${name}".`);
    seenDirectives.add(name);
    if (name === 'escape') {
      if (match[2] !== '\\' && match[2] !== '`') throw badRequest('invalid escape directive.');
      escape = match[2];
    }
  }
  const continuation = new RegExp(`\\${escape}[ \\t]*$`);
  const isComment = (line: string) => /^[ \t]*#/.test(line);
  const instructions: Instruction[] = [];
  while (i < lines.length) {
    let line = lines[i++]!.replace(/^[ \t]+/, '');
    if (line === '' || isComment(line)) continue;
    let continued = continuation.test(line);
    line = line.replace(continuation, '');
    while (continued && i < lines.length) {
      const next = lines[i++]!;
      if (isComment(next) || next.trim() === '') continue;
      continued = continuation.test(next);
      line += next.replace(continuation, '');
    }
    const match = /^([A-Za-z]+)(?:[ \t]+([\s\S]*))?$/.exec(line);
    if (!match) throw badRequest(`the Dockerfile has a line the builder would not understand: ${JSON.stringify(line.slice(0, 60))}.`);
    const keyword = match[1]!.toUpperCase();
    if (!KNOWN.includes(keyword)) throw badRequest(`unknown instruction: ${keyword}`);
    instructions.push({ keyword, rest: (match[2] ?? '').trim() });
  }
  return { escape, instructions };
}

export function serializeDockerfile(file: ParsedDockerfile): Buffer {
  const head = file.escape === '`' ? '# escape=`\n' : '';
  return Buffer.from(head + file.instructions.map((ins) => `${ins.keyword} ${ins.rest}`).join('\n') + '\n');
}

/** Splits `--flag=value` options off the front of an instruction's arguments. */
function flags(rest: string): { flags: Map<string, string>; args: string } {
  const out = new Map<string, string>();
  let remaining = rest;
  for (;;) {
    const match = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(remaining);
    if (!match) break;
    out.set(match[1]!, match[2] ?? '');
    remaining = remaining.slice(match[0].length);
  }
  return { flags: out, args: remaining };
}

const noVariables = (value: string, what: string) => {
  if (value.includes('$')) throw forbidden(`a variable in ${what}`, 'the lab checks image names and working directories before the build runs, so they must be written out', 'best-practices');
};

function underKernelPath(dir: string): boolean {
  return ['/proc', '/sys'].some((root) => dir === root || dir.startsWith(`${root}/`));
}

/**
 * Checks the Dockerfile and returns it with each base image (and COPY --from image) replaced by
 * `resolve(ref)`, which throws for images the session may not use.
 */
export async function checkDockerfile(file: ParsedDockerfile, resolve: (ref: string) => Promise<string>): Promise<ParsedDockerfile> {
  const stages: string[] = [];
  let workdir = '/';
  const out: Instruction[] = [];
  for (const ins of file.instructions) {
    let rest = ins.rest;
    switch (ins.keyword) {
      case 'FROM': {
        const { flags: f, args } = flags(rest);
        for (const key of f.keys()) if (key !== 'platform') throw badRequest(`FROM --${key} is not supported by the classic builder.`);
        const platform = f.get('platform');
        if (platform !== undefined && !/^linux(\/[a-z0-9]+(\/[a-z0-9]+)?)?$/.test(platform)) throw badRequest('FROM --platform must be a linux platform.');
        const parts = args.split(/[ \t]+/);
        const image = parts[0] ?? '';
        if (!(parts.length === 1 || (parts.length === 3 && parts[1]!.toUpperCase() === 'AS' && /^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(parts[2]!)))) throw badRequest(`the FROM line ${JSON.stringify(rest.slice(0, 60))} is not understood.`);
        noVariables(image, 'FROM');
        const isStage = stages.includes(image.toLowerCase());
        const engineRef = image.toLowerCase() === 'scratch' || isStage ? image : await resolve(image);
        if (parts.length === 3) stages.push(parts[2]!.toLowerCase());
        else stages.push(`\0${stages.length}`);
        workdir = '/';
        rest = [platform !== undefined ? `--platform=${platform}` : '', engineRef, ...parts.slice(1)].filter(Boolean).join(' ');
        break;
      }
      case 'COPY':
      case 'ADD': {
        const { flags: f, args } = flags(rest);
        for (const key of f.keys()) {
          if (!['from', 'chown', 'chmod'].includes(key) || (key === 'from' && ins.keyword === 'ADD')) throw forbidden(`${ins.keyword} --${key}`, 'the classic builder of the lab supports --from (COPY), --chown and --chmod', 'best-practices');
        }
        if (ins.keyword === 'ADD') {
          noVariables(args, 'ADD');
          if (/[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(args) || /\bgit@/.test(args)) throw forbidden('ADD from a URL', 'the daemon would fetch it from the host\'s network, outside the lab, with no checksum; COPY files from your build context instead', 'best-practices');
        }
        const from = f.get('from');
        if (from !== undefined) {
          noVariables(from, 'COPY --from');
          const isStage = stages.includes(from.toLowerCase()) || (/^[0-9]+$/.test(from) && Number(from) < stages.length);
          const source = isStage ? from : await resolve(from);
          rest = [`--from=${source}`, ...[...f.entries()].filter(([k]) => k !== 'from').map(([k, v]) => `--${k}=${v}`), args].join(' ');
        }
        break;
      }
      case 'WORKDIR': {
        noVariables(rest, 'WORKDIR');
        workdir = posix.resolve(workdir, rest.replace(/^"(.*)"$/, '$1'));
        if (underKernelPath(workdir)) throw forbidden(`WORKDIR ${workdir}`, 'a working directory in /proc/self/fd is how runc\'s CVE-2024-21626 ("Leaky Vessels") reached the host filesystem during builds', 'threats');
        break;
      }
      case 'RUN': {
        const { flags: f } = flags(rest);
        if (f.size) throw forbidden(`RUN --${[...f.keys()][0]}`, 'mounts, network and security modes of RUN are BuildKit features that reach outside the build container', 'best-practices');
        break;
      }
      case 'ONBUILD':
        throw forbidden('ONBUILD', 'instructions that run in someone else\'s later build cannot be checked now', 'best-practices');
      case 'LABEL':
        if (/(^|[\s"'])bulkhead\./i.test(rest) || isReservedLabel(rest)) throw forbidden('a bulkhead.* LABEL', 'labels starting with "bulkhead." are how the lab knows which objects are yours; the gate sets them itself', 'inspect');
        break;
      default:
        break;
    }
    out.push({ keyword: ins.keyword, rest });
  }
  if (!stages.length) throw badRequest('the Dockerfile has no FROM instruction.');
  return { escape: file.escape, instructions: out };
}
