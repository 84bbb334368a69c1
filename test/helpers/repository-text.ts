/**
 * The repository's own text files (sources, tests, scripts, docs), for the
 * tests that check what they cite: a section of CONTRIBUTING.md, of
 * docs/benchmarks.md or of the performance journal.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : files(path);
    return /\.(ts|mts|mjs|js|md|css|html|yaml|yml)$/.test(entry.name) ? [path] : [];
  });
}

/** Every text file under the repository's folders of code and docs, and the root's README and configs. */
export function repositoryTextFiles(root: string): string[] {
  return [
    ...['src', 'test', 'scripts', 'bench', 'agents', 'console', 'docs', 'templates', 'workflows', 'deploy'].flatMap((dir) => (statSync(join(root, dir), { throwIfNoEntry: false })?.isDirectory() ? files(join(root, dir)) : [])),
    ...['README.md', 'CONTRIBUTING.md', 'eslint.config.js', '.dependency-cruiser.mjs'].map((file) => join(root, file)),
  ];
}

/** A file's text with comment line breaks joined, so a citation wrapped over two lines reads as one. */
export function joinedLines(text: string): string {
  return text.replace(/\n\s*(?:\*|\/\/)?\s*/g, ' ');
}
