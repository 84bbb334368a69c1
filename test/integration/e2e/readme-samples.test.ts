import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fences, lineMatcher, sampleMismatch, section, shellCommands } from './readme-samples.js';

describe('reading the README as the tour test runs it', () => {
  test('sections end at the next heading of their level or above; fences keep their language', () => {
    const md = '# T\n## A\ntext\n```sh\nnpm start\n```\n```\nout\n```\n### A.1\nmore\n## B\nb\n';
    assert.equal(section(md, 'A'), 'text\n```sh\nnpm start\n```\n```\nout\n```\n### A.1\nmore');
    assert.equal(section(md, 'A.1', 3), 'more');
    assert.deepEqual(fences(section(md, 'A')), [{ lang: 'sh', text: 'npm start' }, { lang: '', text: 'out' }]);
    assert.throws(() => section(md, 'C'), /no "## C" section/);
  });

  test('shell commands: continuations joined, comments dropped, `# → …` kept as the output', () => {
    const block = ["echo '{\"a\":1}' \\", "  | npx agentmesh send http://x --data -", '# a comment line', "curl -s -w '%{http_code}' http://x   # → 401", "npx agentmesh route 'a # not a comment'   # why"].join('\n');
    assert.deepEqual(shellCommands(block), [
      { command: "echo '{\"a\":1}' | npx agentmesh send http://x --data -" },
      { command: "curl -s -w '%{http_code}' http://x", expects: '401' },
      { command: "npx agentmesh route 'a # not a comment'" },
    ]);
  });

  test('a sample matches a run of printed lines; `…` alone is any lines, inside a line any text', () => {
    const printed = 'one\ntwo\nthree four five\nsix\n';
    assert.equal(sampleMismatch('two\nthree … five', printed), undefined);
    assert.equal(sampleMismatch('one\n…\nsix', printed), undefined);
    assert.equal(sampleMismatch('one\n…\ntwo', printed), undefined, '… may stand for no line');
    assert.equal(sampleMismatch('one\nthree four five', printed), 'three four five', 'lines without … between them are consecutive');
    assert.equal(sampleMismatch('total 22.050 5', 'total 24.550 7\n'), 'total 22.050 5', 'numbers are compared as written');
  });

  test('values that differ on every run match any value of their shape, whole only', () => {
    const printed = 'demo client: amc_q75x1dmgpmjjdnp26hwe / amcs_WezW5hZw4_b1XsR_eSkPkbY74sLckehoFlsVJovwgqM  (ready in 12.5 s)';
    assert.equal(sampleMismatch('demo client: amc_bpdqwoxbrt0icvcu05gz / amcs_4v-PMQDbif8yq2Xw0fL7nS5cR1tUe9kHjB3aZo6GdVm  (ready in 2.6 s)', printed), undefined);
    assert.notEqual(sampleMismatch('demo client: amc_bpdqwoxbrt0icvcu05gz / amcs_4v-PMQDbif8…  (ready in 2.6 s)', printed), undefined, 'a secret cut short is not a secret');
    assert.match('hash 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b', lineMatcher('hash e11e94979b3c0d5a6f2e8b1d4c7a90f3e5b2d8c1a4f7e0b3d6c9a2f5e8b1d4c7'));
  });

  test('any literal sample line matches itself and nothing else of another length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('…') && !s.includes('\n')), (line) => {
        assert.ok(lineMatcher(line).test(line));
        assert.ok(!lineMatcher(line).test(`${line}x`) || /ready in|amcs?_|[0-9a-f]{8}/.test(line));
      }),
    );
  });
});
