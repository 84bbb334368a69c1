#!/usr/bin/env node
/**
 * Builds the web console (console/ → dist/console, ADR 0018) with Vite, then
 * prints (on stderr) the size of every JavaScript and CSS file, raw and gzipped, and
 * fails when the JavaScript is above its budget: 300 KB gzipped
 * in total. `npm run build` runs it; the gateway serves the result at /console/.
 *
 * Usage: node scripts/build-console.mjs [--out-dir <dir>] [--check-only] [--budget-bytes <n>]
 *   --out-dir     build there instead of dist/console (tests: a build of their own, never
 *                 the dist/ that `npm pack` may be rebuilding at the same time)
 *   --check-only  measure an existing build without building it again
 *   --budget-bytes  another budget (tests: show that the check fails)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The value after `flag` on the command line, if any. */
const argument = (flag) => {
  const at = process.argv.indexOf(flag);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const outIndex = process.argv.indexOf('--out-dir');
// Resolved here, against the working directory: Vite would resolve a relative one against console/ (its root).
const outDir = outIndex > 0 && process.argv[outIndex + 1] !== undefined ? resolve(process.argv[outIndex + 1]) : join(root, 'dist', 'console');
/** The budget: 300 KB (1,000 bytes a KB, as browsers' dev tools count) of gzipped JavaScript. */
export const JS_BUDGET_BYTES = 300_000;

/** Every file under `dir`. */
function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Sizes of the built console's files: `{ files: [{ file, bytes, gzipBytes }], jsGzipBytes }`. */
export function measure(dir = outDir) {
  const files = filesUnder(dir)
    .filter((f) => /\.(js|css|html)$/.test(f))
    .map((f) => {
      const body = readFileSync(f);
      return { file: relative(dir, f), bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
    });
  const jsGzipBytes = files.filter((f) => f.file.endsWith('.js')).reduce((sum, f) => sum + f.gzipBytes, 0);
  return { files, jsGzipBytes };
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.argv.includes('--check-only')) {
    const { build } = await import('vite');
    await build({ configFile: join(root, 'console', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  }
  if (!existsSync(outDir)) {
    console.error(`console: no build at ${outDir}: run npm run build`);
    process.exit(1);
  }
  const budget = argument('--budget-bytes') === undefined ? JS_BUDGET_BYTES : Number(argument('--budget-bytes'));
  if (!Number.isFinite(budget) || budget < 0) {
    console.error(`console: --budget-bytes must be a number of bytes, got ${JSON.stringify(argument('--budget-bytes'))}`);
    process.exit(2);
  }
  const { files, jsGzipBytes } = measure(outDir);
  // On stderr: stdout of `npm pack --json` (which builds through prepare) must stay JSON.
  for (const f of files) console.error(`console: ${f.file.padEnd(32)} ${kb(f.bytes).padStart(10)}  gzip ${kb(f.gzipBytes).padStart(9)}`);
  console.error(`console: JavaScript ${kb(jsGzipBytes)} gzipped (budget ${kb(budget)})`);
  if (jsGzipBytes > budget) {
    console.error(`console: the JavaScript is ${kb(jsGzipBytes)} gzipped, above the budget of ${kb(budget)}: make it smaller`);
    process.exit(1);
  }
}
