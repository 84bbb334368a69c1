import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { cliCommand, renderUpBanner, runningBinFile, sendCommandLine, shellQuote, type UpBanner } from '../../../src/cli/commands/up/up-banner.js';

/** A folder holding a package.json named `name`, with a dist and a src CLI. */
function pkg(t: TestContext, name: string, under = ''): string {
  const base = mkdtempSync(join(tmpdir(), 'agentmesh-banner-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, under);
  mkdirSync(join(root, 'dist/src/cli'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name }));
  return root;
}

describe('shellQuote', () => {
  test('leaves URLs and ids alone and single-quotes the rest, so sh reads back the same value', () => {
    assert.equal(shellQuote('http://localhost:4200/agents/echo'), 'http://localhost:4200/agents/echo');
    assert.equal(shellQuote('amcs_ZViT63Mf-x_Y'), 'amcs_ZViT63Mf-x_Y');
    for (const value of ["it's $HOME `x` \"q\" \\ ; &", 'two words', '']) {
      assert.equal(execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' }), value);
    }
  });
});

describe('cliCommand', () => {
  test('is npx agentmesh in the package itself, or in a project that depends on it', (t) => {
    const root = pkg(t, 'agentmesh');
    assert.equal(cliCommand(join(root, 'dist/src/cli/bin.js'), root), 'npx agentmesh');
    const dependency = pkg(t, 'agentmesh', 'node_modules/agentmesh');
    assert.equal(cliCommand(join(dependency, 'dist/src/cli/bin.js'), join(dependency, '../..')), 'npx agentmesh');
  });

  test('names the bin by its path elsewhere: npx would fetch an unrelated package', (t) => {
    const root = pkg(t, 'agentmesh');
    assert.equal(cliCommand(join(root, 'dist/src/cli/bin.js'), tmpdir()), `node ${join(root, 'dist/src/cli/bin.js')}`);
    const other = pkg(t, 'not-agentmesh');
    assert.equal(cliCommand(join(other, 'dist/src/cli/bin.js'), other), `node ${join(other, 'dist/src/cli/bin.js')}`);
  });

  test('is plain agentmesh where the agentmesh on the PATH is this CLI (the image, a global install), not another one', (t) => {
    const root = pkg(t, 'agentmesh');
    const bin = join(root, 'dist/src/cli/bin.js');
    mkdirSync(dirname(bin), { recursive: true });
    writeFileSync(bin, '');
    const binDir = join(root, 'path-bin');
    mkdirSync(binDir);
    symlinkSync(bin, join(binDir, 'agentmesh'));
    assert.equal(cliCommand(bin, tmpdir(), binDir), 'agentmesh');
    assert.equal(cliCommand(bin, root, `${tmpdir()}${delimiter}${binDir}`), 'agentmesh');
    const other = pkg(t, 'agentmesh');
    assert.equal(cliCommand(join(other, 'dist/src/cli/bin.js'), tmpdir(), binDir), `node ${join(other, 'dist/src/cli/bin.js')}`);
  });

  test("is npx agentmesh under a project's npm script: its node_modules/.bin is on the script's PATH only, not the user's", (t) => {
    const installed = pkg(t, 'agentmesh', 'node_modules/agentmesh');
    const project = join(installed, '../..');
    const bin = join(installed, 'dist/src/cli/bin.js');
    writeFileSync(bin, '');
    const binDir = join(project, 'node_modules/.bin');
    mkdirSync(binDir);
    symlinkSync(bin, join(binDir, 'agentmesh'));
    assert.equal(cliCommand(bin, project, binDir), 'npx agentmesh');
  });

  test('runs the TypeScript source through tsx, relative to the package', (t) => {
    const root = pkg(t, 'agentmesh');
    assert.equal(cliCommand(join(root, 'src/cli/bin.ts'), root), 'node --import tsx src/cli/bin.ts');
  });

  test('finds this checkout as the package of the running CLI', () => {
    assert.match(runningBinFile(), /src\/cli\/bin\.ts$/);
    assert.equal(cliCommand(runningBinFile(), join(runningBinFile(), '../../..')), 'node --import tsx src/cli/bin.ts');
  });
});

describe('the banner', () => {
  const banner: UpBanner = {
    cli: 'npx agentmesh',
    registryUrl: 'http://localhost:4100',
    gatewayUrl: 'http://localhost:4200',
    gatewayMetricsUrl: 'http://127.0.0.1:4290/metrics',
    runtimeUrl: 'http://localhost:4000',
    agents: ['echo', 'legal'],
    orchestratorUrl: 'http://localhost:4300/agents/orchestrator',
    orchestratorName: 'orchestrator',
    workflowLines: '  workflows from ./workflows: lookalike-campaign\n',
    demo: { clientId: 'amc_1', clientSecret: 'amcs_2', tenant: 'demo', credits: '100000.000', file: '.agentmesh/demo-client.json' },
    dataDir: '.agentmesh',
    readyMs: 2_345,
  };

  test('prints a send command that gets its token from the demo client in the environment, not on the command line', () => {
    assert.equal(
      sendCommandLine(banner),
      "AGENTMESH_TOKEN=$(AGENTMESH_CLIENT_ID=amc_1 AGENTMESH_CLIENT_SECRET=amcs_2 npx agentmesh token --gateway http://localhost:4200) npx agentmesh send http://localhost:4200/agents/orchestrator 'Review this clause: the agreement renews automatically for successive one-year terms'",
    );
  });

  test('keeps the lines scripts read, and ends with the Try: block', () => {
    const text = renderUpBanner(banner);
    assert.match(text, /^agentmesh registry listening on http:\/\/localhost:4100 /m);
    assert.match(text, /^agentmesh gateway listening on http:\/\/localhost:4200 /m);
    assert.match(text, /^agentmesh gateway listening on .*; metrics on http:\/\/127\.0\.0\.1:4290\/metrics\)$/m);
    assert.match(text, /^ {2}demo client: amc_1 \/ amcs_2 {2}\(tenant demo, 100000\.000 credits; kept in \.agentmesh\/demo-client\.json, mode 0600/m);
    assert.match(text, /^ {2}web console: http:\/\/localhost:4200\/console\/ {2}\(sign in with the demo client for tenant demo, or with the admin token in \.agentmesh\/gateway-admin-token for every tenant\)$/m);
    assert.match(text, /^agentmesh is ready in 2\.3 s; state in \.agentmesh \(start over with --reset\)/m);
    assert.match(text, /orchestrator listening on \S+ {2}\(through the gateway: \S+\/agents\/orchestrator\)\n.*\n(?:.*\n)*Try: .* send .*\n.*agents search.*\n.*workflow run .*\n$/);
  });
});
