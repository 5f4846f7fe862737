/**
 * A build context is a tar the engine unpacks; the gate reads it completely and writes a new one, so the
 * engine's tar reader sees exactly the entries the gate checked (no second Dockerfile hiding behind a
 * PAX path override, no device nodes, no `..`). Regular files, directories and symlinks only.
 */
import { posix } from 'node:path';
import { badRequest } from './refusal.ts';

const BLOCK = 512;
const MAX_ENTRIES = 10_000;
const MAX_PAX_BYTES = 64 * 1024;

export interface TarEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtime: number;
  data: Buffer;
  linkname: string;
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number, what: string): number {
  const raw = block.subarray(offset, offset + length);
  if (raw[0]! & 0x80) {
    // GNU base-256: only small positive values make sense here.
    let value = 0;
    for (let i = 1; i < raw.length; i++) value = value * 256 + raw[i]!;
    if (!Number.isSafeInteger(value)) throw badRequest(`the build context has an invalid ${what}.`);
    return value;
  }
  const text = field(block, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw badRequest(`the build context has an invalid ${what}.`);
  return parseInt(text, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space === -1) throw badRequest('the build context has a malformed PAX header.');
    const length = Number(data.subarray(i, space).toString());
    if (!Number.isSafeInteger(length) || length <= space - i || i + length > data.length) throw badRequest('the build context has a malformed PAX header.');
    const record = data.subarray(space + 1, i + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq === -1) throw badRequest('the build context has a malformed PAX header.');
    records[record.slice(0, eq)] = record.slice(eq + 1);
    i += length;
  }
  return records;
}

export function normalizeContextPath(raw: string): string {
  const trimmed = raw.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed === '.') return '.';
  if (trimmed.startsWith('/') || trimmed.includes('\0') || trimmed.split('/').some((s) => s === '..' || s === '')) {
    throw badRequest(`the build context has an entry outside the context: ${JSON.stringify(raw.slice(0, 80))}.`);
  }
  return posix.normalize(trimmed);
}

/**
 * `rooted`: entry names are paths in a container's filesystem (Compose writes `/run/secrets/x`), so a
 * leading slash is dropped before the same checks a build context gets.
 */
export function readTar(tar: Buffer, options: { rooted?: boolean } = {}): TarEntry[] {
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const sum = header.reduce((acc, b, i) => acc + (i >= 148 && i < 156 ? 0x20 : b), 0);
    if (sum !== octal(header, 148, 8, 'checksum')) throw badRequest('the build context is not a valid tar (checksum).');
    const size = octal(header, 124, 12, 'size');
    const type = String.fromCharCode(header[156]!);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw badRequest('the build context tar is truncated.');
    const data = tar.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'g') {
      if (size > MAX_PAX_BYTES) throw badRequest('the build context has an oversized PAX header.');
      if (type === 'x') pax = parsePax(data);
      continue;
    }
    if (type === 'L' || type === 'K') {
      if (size > MAX_PAX_BYTES) throw badRequest('the build context has an oversized long name.');
      const name = data.toString('utf8').replace(/\0+$/, '');
      if (type === 'L') longName = name; else longLink = name;
      continue;
    }
    const magic = header.subarray(257, 263).toString('latin1');
    const prefix = magic.startsWith('ustar') ? field(header, 345, 155) : '';
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const linkname = pax.linkpath ?? longLink ?? field(header, 157, 100);
    pax = {};
    longName = undefined;
    longLink = undefined;
    const kind = type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'dir' : type === '2' ? 'symlink' : undefined;
    if (!kind) throw badRequest(`the build context contains a ${type === '1' ? 'hard link' : 'device, fifo or other special file'} (${JSON.stringify(name.slice(0, 60))}); only files, directories and symlinks are accepted.`);
    const path = normalizeContextPath(options.rooted ? name.replace(/^\/+/, '') : name);
    if (seen.has(path)) throw badRequest(`the build context contains ${JSON.stringify(path.slice(0, 80))} twice.`);
    seen.add(path);
    if (entries.length >= MAX_ENTRIES) throw badRequest(`the build context has more than ${MAX_ENTRIES} entries.`);
    if (linkname.length > 4096) throw badRequest('the build context has an oversized link target.');
    entries.push({ path, type: kind, mode: octal(header, 100, 8, 'mode') & 0o777, mtime: octal(header, 136, 12, 'mtime'), data: kind === 'file' ? Buffer.from(data) : Buffer.alloc(0), linkname: kind === 'symlink' ? linkname : '' });
  }
  return entries;
}

function header(name: string, type: string, size: number, mode: number, mtime: number, linkname: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write(mode.toString(8).padStart(7, '0'), 100, 'latin1');
  block.write('0000000', 108, 'latin1');
  block.write('0000000', 116, 'latin1');
  block.write(size.toString(8).padStart(11, '0'), 124, 'latin1');
  block.write(Math.max(0, Math.floor(mtime)).toString(8).padStart(11, '0').slice(-11), 136, 'latin1');
  block.write(type, 156, 'latin1');
  block.write(linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  block.fill(0x20, 148, 156);
  const sum = block.reduce((acc, b) => acc + b, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest ? [data, Buffer.alloc(BLOCK - rest)] : [data];
}

export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    const records: string[] = [];
    if (Buffer.byteLength(name) > 99) records.push(`path=${name}`);
    if (Buffer.byteLength(entry.linkname) > 99) records.push(`linkpath=${entry.linkname}`);
    if (records.length) {
      const body = Buffer.from(records.map((r) => {
        let length = Buffer.byteLength(r) + 3;
        while (Buffer.byteLength(`${length} ${r}\n`) !== length) length = Buffer.byteLength(`${length} ${r}\n`);
        return `${length} ${r}\n`;
      }).join(''));
      parts.push(header('PaxHeader', 'x', body.length, 0o644, entry.mtime, ''), ...padded(body));
    }
    const type = entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2';
    parts.push(header(name.slice(0, 99), type, entry.data.length, entry.mode, entry.mtime, entry.linkname.slice(0, 99)));
    if (entry.data.length) parts.push(...padded(entry.data));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
