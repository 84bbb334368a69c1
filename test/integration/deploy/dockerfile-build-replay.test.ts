/**
 * `docker build -f deploy/Dockerfile .` from a clean clone, replayed without a
 * container engine: the context is the tree with `.dockerignore` applied, the
 * build stage's COPYs and RUNs run in a temporary folder (its `npm ci` answered
 * by the installed node_modules when they match the lockfile). An input that
 * `npm run build` reads and the Dockerfile or the whitelist forgets fails here.
 * The real build, with Podman, is `npm run test:image` (test/image/).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  buildContext,
  copyFromContext,
  dockerignorePatterns,
  existsInRoot,
  parseStages,
  replayStage,
} from '../../helpers/dockerfile-replay.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const dockerfileText = readFileSync(join(repoRoot, 'deploy', 'Dockerfile'), 'utf8');
const dockerignoreText = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');

describe('deploy/Dockerfile build context', () => {
  const context = buildContext(repoRoot, dockerignorePatterns(dockerignoreText));

  it('sends what the stages copy and nothing local: no node_modules, dist, tests, keys', () => {
    assert.ok(context.has('package.json') && context.has('src/cli/bin.ts') && context.has('scripts/build-console.mjs'));
    for (const file of context) {
      assert.doesNotMatch(file, /(^|\/)(node_modules|dist|\.git|\.agentmesh)\//, file);
      assert.doesNotMatch(file, /^(test|bench|docs|eval)\//, file);
      assert.doesNotMatch(file, /\.(pem|key)$|(^|\/)\.env/, file);
    }
  });

  it('holds every source a COPY of any stage names (COPY --from aside)', () => {
    for (const stage of parseStages(dockerfileText)) {
      for (const step of stage.steps.filter((s) => s.keyword === 'COPY' && s.from === undefined)) {
        for (const source of step.sources ?? []) {
          assert.ok(context.has(source) || [...context].some((f) => f.startsWith(`${source.replace(/\/$/, '')}/`)), `${stage.name ?? stage.image}: COPY ${source} is not in the context`);
        }
      }
    }
  });

  it('a COPY of a folder the whitelist leaves out fails the replay, naming the whitelist', () => {
    const withoutScripts = buildContext(repoRoot, dockerignorePatterns(dockerignoreText.replace(/^!scripts\/\n/m, '')));
    const root = mkdtempSync(join(tmpdir(), 'agentmesh-replay-'));
    try {
      assert.throws(
        () => copyFromContext(withoutScripts, repoRoot, { keyword: 'COPY', text: 'scripts scripts', sources: ['scripts'], destination: 'scripts' }, root, '/src'),
        /COPY scripts: not found in the build context \(is it whitelisted in \.dockerignore\?\)/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('deploy/Dockerfile build stage, replayed', () => {
  it('builds and packs the package once, with what the later stages copy from it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agentmesh-replay-'));
    try {
      const result = await replayStage({ dockerfileText, dockerignoreText, repoRoot, stageName: 'build', root });
      // `npm run build` ran, and only once: `npm pack` did not run `prepare` (a second build).
      assert.equal(result.output.match(/^> agentmesh@[^ ]+ build$/gm)?.length, 1, result.output.slice(-3000));
      const stages = parseStages(dockerfileText);
      for (const stage of stages) {
        for (const step of stage.steps.filter((s) => s.keyword === 'COPY' && s.from === 'build')) {
          for (const source of step.sources ?? []) assert.ok(existsInRoot(root, source), `${stage.name}: COPY --from=build ${source} is missing after the replay`);
        }
      }
      // The tarball the next stage installs holds the CLI, its bundle, the console and the workflow schema.
      const listing = execFileSync('tar', ['tzf', join(root, 'pkg', 'agentmesh.tgz')], { encoding: 'utf8' }).split('\n');
      for (const file of ['package/dist/src/cli/bin.js', 'package/dist/src/cli/bundle.cjs', 'package/dist/console/index.html', 'package/dist/schemas/workflow.schema.json', 'package/package.json']) {
        assert.ok(listing.includes(file), `${file} is not in the packed package`);
      }
      assert.ok(!listing.some((file) => file.startsWith('package/dist/bench/') || file.startsWith('package/dist/test/')), 'benches or test helpers are in the package');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
