/**
 * The built console (`dist/console`, made by `npm run build`), served from
 * memory at `/console/`. The files are few and small (the build fails above
 * 300 KB of JavaScript), so they are read once, on the first request, and
 * never again: hashed assets are cached for a year by browsers, the page
 * itself is revalidated.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file as served. */
export interface ConsoleFile {
  body: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

const TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.ico', 'image/x-icon'],
  ['.json', 'application/json'],
  ['.woff2', 'font/woff2'],
]);

/**
 * The folder `npm run build` writes the console to: `dist/console` of the
 * agentmesh package this file belongs to (from `src/gateway/console/` when
 * run from source, `dist/src/gateway/console/` when built).
 */
export function defaultConsoleDir(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'agentmesh') return join(dir, 'dist', 'console');
    } catch {
      // Not ours; keep looking above.
    }
  }
  return undefined;
}

/** Reads every file under `dir` into a map keyed by its path below it (`index.html`, `assets/app-1a2b.js`). */
export function loadConsoleFiles(dir: string | undefined): ReadonlyMap<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  if (dir === undefined || !existsSync(dir)) return files;
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      // lstat: a symlink is skipped, never followed (out of the folder, or round in a loop).
      const stats = lstatSync(path);
      if (stats.isDirectory()) {
        walk(path);
        continue;
      }
      if (!stats.isFile()) continue;
      const type = TYPES.get(extname(name));
      if (type === undefined) continue;
      const body = readFileSync(path);
      const key = relative(dir, path).split(sep).join('/');
      files.set(key, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, immutable: key.startsWith('assets/') });
    }
  };
  walk(dir);
  return files;
}
