import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError } from './http-error.js';

/** The built UI (`npm run build:ui`), beside src/ and dist/ in the package. */
export const UI_DIR = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Serves one file of the built UI. `path` is the request path below the mount point; nothing
 * outside UI_DIR can be named (no "..", no absolute path). Hashed assets are cached for good,
 * index.html never (it names the current hashes).
 */
export async function serveUiFile(res: ServerResponse, path: string, head: boolean): Promise<void> {
  const relative = path === '/' || path === '' ? 'index.html' : decodeURIComponent(path).replace(/^\/+/, '');
  const file = normalize(join(UI_DIR, relative));
  if (!file.startsWith(UI_DIR) || relative.includes('\0') || relative.split(/[\\/]/).includes('..'))
    throw new HttpError(404, 'no such file');
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (relative === 'index.html' && code === 'ENOENT')
      throw new HttpError(
        500,
        `the dashboard UI is not built: run "npm run build:ui" in packages/dashboard (${UI_DIR})`,
      );
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR')
      throw new HttpError(404, 'no such file');
    throw error;
  }
  const immutable = relative.startsWith(`assets${sep}`) || relative.startsWith('assets/');
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(head ? undefined : body);
}
