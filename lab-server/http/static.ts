/** Serves the built site from one folder, never outside it. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.webp': 'image/webp', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml', '.wasm': 'application/wasm', '.pf_meta': 'application/octet-stream', '.pf_fragment': 'application/octet-stream',
  '.pf_index': 'application/octet-stream', '.pagefind': 'application/octet-stream',
};
/** Astro puts content-hashed bundles under /_astro/: they can be cached for good. */
const IMMUTABLE_PREFIX = '/_astro/';

async function fileAt(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (info.isFile()) return path;
    if (info.isDirectory()) {
      const index = join(path, 'index.html');
      if ((await stat(index)).isFile()) return index;
    }
  } catch {
    // Missing: the caller answers 404.
  }
  return undefined;
}

export async function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, pathname: string): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    decoded = '\0';
  }
  const base = normalize(root);
  const target = normalize(join(base, decoded));
  const inside = !decoded.includes('\0') && (target === base || target.startsWith(base.endsWith(sep) ? base : base + sep));
  let file = inside ? await fileAt(target) : undefined;
  if (!file && inside && !extname(target)) file = await fileAt(`${target}.html`);
  let status = 200;
  if (!file) {
    status = 404;
    file = await fileAt(join(base, '404.html'));
  }
  const headers: Record<string, string> = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin' };
  if (!file) {
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found. Run `npm run build` if the site was never built.\n');
    return;
  }
  headers['Content-Type'] = TYPES[extname(file)] ?? 'application/octet-stream';
  headers['Cache-Control'] = pathname.startsWith(IMMUTABLE_PREFIX) ? 'public, max-age=31536000, immutable' : 'no-cache';
  res.writeHead(status, headers);
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}
