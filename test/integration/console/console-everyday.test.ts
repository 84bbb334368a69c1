// test-tier: tools (needs chromium)
/**
 * The web console as people use it, in Debian's Chromium against a real
 * `agentmesh up`: a wrong secret answered on the page (never the browser's
 * Basic dialog), the platform admin acting in a tenant (Try it, a task, a
 * workflow run, each call audited on the tenant's behalf), a tenant's card
 * with the gateway's URLs only, a completed map-reduce drawn completed,
 * loading states that never read as empty on a slow network, and every view
 * at 390×844 and 1280×800 for both roles: no sideways scroll, touch targets
 * of 24 px, no `TASK_STATE_` or line of JSON, axe-core clean. With
 * UPDATE_SCREENSHOTS=1 it writes the phone pictures of docs/console.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ROOT, startMesh, stopMesh, type Mesh } from '../e2e/mesh-process.js';
import { launchChromium, screenshot, seriousViolations, signInAsClient } from './browser.js';
import { fetchToken } from '../../helpers/gateway-fixture.js';

const PHONE = { width: 390, height: 844 };
/** The controls drawn smaller than 24 × 24 px (WCAG 2.5.8; links inside sentences are exempt, nav links are not). */
const SMALL_TARGETS = `[...document.querySelectorAll('button, input:not([type=hidden]), select, textarea, summary, nav a, a.button')]
  .map((el) => ({ el, box: el.getBoundingClientRect() }))
  .filter(({ box }) => box.width > 0 && box.height > 0 && (box.width < 24 || box.height < 24))
  .map(({ el, box }) => el.outerHTML.slice(0, 80) + ' ' + Math.round(box.width) + 'x' + Math.round(box.height))`;
const DESKTOP = { width: 1280, height: 800 };
/**
 * The words of the interface as drawn: buttons, column headers and nav links
 * whose text takes more than one line, and words broken inside (a word whose
 * letters lie on two lines, "Rotat|e").
 */
const LABEL_LINES = `(() => {
  const tops = (range) => new Set([...range.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top))).size;
  const labels = [...document.querySelectorAll('button, .button, thead th, nav a')].filter((el) => { const b = el.getBoundingClientRect(); return b.width > 2 && b.height > 2; });
  const lines = (el) => { const r = document.createRange(); r.selectNodeContents(el); return tops(r); };
  const broken = (el) => {
    const out = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (const m of n.data.matchAll(/\\S+/g)) {
        const r = document.createRange();
        r.setStart(n, m.index);
        r.setEnd(n, m.index + m[0].length);
        if (tops(r) > 1) out.push(m[0]);
      }
    }
    return out;
  };
  return { multiLine: labels.filter((el) => lines(el) > 1).map((el) => el.textContent.trim()), brokenWords: labels.flatMap(broken) };
})()`;

describe('the console as people use it, in Chromium against agentmesh up', () => {
  let mesh: Mesh;
  let dataDir: string;
  let adminToken: string;
  let browser: Browser;
  /** Ids the views test opens: a task of demo's on echo, the completed map-reduce run. */
  let echoTask = '';
  let mapRun = '';
  const pageProblems: string[] = [];

  async function newPage(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, ...(viewport.width < 500 && { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }) });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => pageProblems.push(err.message));
    page.on('console', (m) => {
      // The revoked-credential and slowed-network cases log nothing; any script error is a problem.
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageProblems.push(m.text());
    });
    return { context, page };
  }

  async function signInAsTenant(page: Page): Promise<void> {
    await signInAsClient(page, `${mesh.gatewayUrl}/console/`, mesh);
  }

  async function signInAsAdmin(page: Page): Promise<void> {
    await page.goto(`${mesh.gatewayUrl}/console/`);
    await page.getByRole('radio', { name: 'access token' }).check();
    await page.locator('#token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function actIn(page: Page, tenant: string): Promise<void> {
    await page.goto(`${mesh.gatewayUrl}/console/#/try`);
    await page.getByTestId('needs-tenant').waitFor();
    await page.getByLabel(/act in a tenant/).fill(tenant);
    await page.getByRole('button', { name: 'Act in this tenant' }).click();
    await page.getByTestId('acting').filter({ hasText: `Acting in tenant ${tenant}` }).waitFor();
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-console-everyday-'));
    const consoleDir = join(dataDir, 'console');
    const build = spawnSync(process.execPath, ['scripts/build-console.mjs', '--out-dir', consoleDir], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
    mesh = await startMesh(['--data-dir', dataDir], { GATEWAY_CONSOLE_DIR: consoleDir });
    adminToken = readFileSync(join(dataDir, 'gateway-admin-token'), 'utf8').trim();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await stopMesh(mesh);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('a wrong secret ends on the page with a message after one token request, and the token endpoint sends no Basic challenge', async (t) => {
    const { context, page } = await newPage(DESKTOP);
    await page.goto(`${mesh.gatewayUrl}/console/`);
    await page.getByLabel('Client id', { exact: true }).fill(mesh.clientId);
    await page.getByLabel('Client secret', { exact: true }).fill('amcs_not-the-secret');
    const answer = page.waitForResponse((r) => r.url().endsWith('/oauth/token'));
    let tokenRequests = 0;
    const onRequest = (request: { url(): string }) => void (request.url().endsWith('/oauth/token') && tokenRequests++);
    page.on('request', onRequest);
    const started = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    // A challenge (`WWW-Authenticate: Basic`) is what makes a browser open its own login dialog over the page.
    const res = await answer;
    assert.equal(res.status(), 401);
    assert.equal(res.headers()['www-authenticate'], undefined, 'no Basic challenge: the secret went in the body');
    await page.getByRole('alert').filter({ hasText: 'client authentication failed' }).waitFor();
    const tookMs = Date.now() - started;
    page.off('request', onRequest);
    // Counted, not timed: the message follows the one refused request, with no retry in between (a loaded
    // CI machine, two cores at load 20 to 40 with Chromium beside the services tier, took over 2 s for it).
    assert.equal(tokenRequests, 1, 'one token request, not retried');
    t.diagnostic(`the message showed ${tookMs} ms after the click`);
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).isEnabled(), true, 'the page is not left at "Signing in…"');
    // The right secret of a client registered for Basic still signs in (after the body said which method it uses).
    await page.getByLabel('Client secret', { exact: true }).fill(mesh.clientSecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await context.close();
  });

  test('the platform admin acts in a tenant: Try it, the task page and a workflow run, each call audited on its behalf', async () => {
    const { context, page } = await newPage(DESKTOP);
    await signInAsAdmin(page);
    // Before choosing, the views say plainly what the admin token cannot do.
    for (const view of ['try', 'tasks', 'workflows']) {
      await page.goto(`${mesh.gatewayUrl}/console/#/${view}`);
      assert.match(await page.getByTestId('needs-tenant').innerText(), /makes no A2A call itself/);
    }
    await actIn(page, 'demo');
    await page.getByLabel('Agent', { exact: true }).selectOption('echo');
    await page.getByLabel('Message', { exact: true }).fill('hello from the platform admin');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('task-state').filter({ hasText: /^completed$/ }).waitFor();
    assert.match(await page.getByTestId('result').innerText(), /hello from the platform admin/);
    // The status changes as a timeline, each with how long it lasted.
    assert.match(await page.getByTestId('timeline').innerText(), /submitted[\s\S]*for [\d.]+ (ms|s)[\s\S]*completed/);
    await screenshot(page, 'try-it-acting');
    await page.getByRole('link', { name: "Open the task's page" }).click();
    await page.getByTestId('task-detail-state').filter({ hasText: 'completed' }).waitFor();
    assert.match(await page.getByTestId('conversation').innerText(), /You\s+hello from the platform admin/);
    // An ended task's timeline: created (its UUIDv7 id says when), then how it ended.
    assert.match(await page.getByTestId('timeline').innerText(), /submitted[\s\S]*for [\d.]+ (ms|s)[\s\S]*completed/);
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.getByTestId('tasks').locator('tbody tr').first().waitFor();
    assert.match(await page.getByTestId('tasks').locator('caption').innerText(), /of tenant demo/);
    // A row says what was asked, how long it took and what it cost, not only ids.
    const asked = page.getByTestId('tasks').locator('tbody tr').filter({ hasText: 'hello from the platform admin' });
    await asked.waitFor();
    assert.match(await asked.innerText(), /hello from the platform admin[\s\S]*echo\s+echo\s+completed\s+[\d.]+ (ms|s)\s/);
    // Filtered by skill and by text in the page.
    await page.getByLabel('Request contains').fill('no task was asked this');
    await page.getByText('No task of tenant demo whose request contains “no task was asked this”').waitFor();
    await page.getByLabel('Request contains').fill('platform admin');
    await asked.waitFor();
    await page.getByLabel('Skill', { exact: true }).selectOption('echo');
    assert.ok((await page.getByTestId('tasks').locator('tbody tr').count()) >= 1);
    // Filtered by an agent with no task of the tenant's: the list says whose tasks it looked for, and clears.
    await page.getByLabel('Request contains').fill('');
    await page.getByLabel('Skill', { exact: true }).selectOption('');
    await page.getByLabel('Agent', { exact: true }).selectOption('finance');
    const caption = page.getByTestId('tasks').locator('caption');
    await caption.filter({ hasText: /^No task of agent finance for tenant demo, updated live$/ }).waitFor();
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await asked.waitFor();
    assert.match(await caption.innerText(), /^The \d+ most recent tasks? of tenant demo \(25 per agent\), updated live$/);
    assert.equal(await page.getByLabel('Agent', { exact: true }).inputValue(), '');
    assert.equal(await page.getByRole('button', { name: 'Clear the filters' }).count(), 0, 'nothing left to clear');

    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByLabel('Workflow', { exact: true }).selectOption('lookalike-campaign');
    await page.getByLabel(/^leadIds/).fill('lead-001, lead-002');
    await page.getByRole('button', { name: 'Start a run' }).click();
    await page.getByTestId('run-state').filter({ hasText: /^completed$/ }).waitFor();
    const runId = await page.locator('#run-h code').innerText();
    // Opened again by its address (a change of the hash: no reload, which would sign out).
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.goto(`${mesh.gatewayUrl}/console/#/workflows/lookalike-campaign/runs/${encodeURIComponent(runId)}`);
    await page.getByTestId('run-state').filter({ hasText: /^completed$/ }).waitFor();
    await page.getByTestId('graph').locator('li[data-step="launch"][data-state="completed"]').waitFor();
    // The run's steps as rows, read a page at a time (run-steps): a short run's one page, nothing more to load.
    await page.getByTestId('run-steps').locator('tr[data-step="launch"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Load more steps' }).count(), 0);

    const audit: any = await (await fetch(`${mesh.gatewayUrl}/v1/console/audit?limit=1000`, { headers: { authorization: `Bearer ${adminToken}` } })).json();
    const acted = audit.rows.filter((r: any) => r.eventType === 'console.act-as');
    assert.ok(acted.length >= 1 && acted.every((r: any) => r.tenant === 'demo' && r.actor.id === 'bootstrap-admin-token'), 'choosing the tenant is audited');
    const calls = audit.rows.filter((r: any) => r.eventType === 'a2a.call' && r.actor.id === 'bootstrap-admin-token');
    assert.ok(calls.some((r: any) => r.targetAgent === 'echo') && calls.some((r: any) => r.targetAgent === 'orchestrator'), JSON.stringify(calls.map((r: any) => r.targetAgent)));
    assert.ok(calls.every((r: any) => r.tenant === 'demo' && r.detail?.delegatedBy === 'bootstrap-admin-token'), 'each call is the admin acting on the tenant’s behalf');
    // Only a platform admin may act in a tenant.
    const demoToken = await tokenOf(mesh);
    const refused = await fetch(`${mesh.gatewayUrl}/v1/console/act-as`, { method: 'POST', headers: { authorization: `Bearer ${demoToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'acme' }) });
    assert.equal(refused.status, 403);
    for (const body of [{}, { tenant: '' }, { tenant: 'a b' }, { tenant: 'x'.repeat(300) }, { tenant: { name: 'demo' } }, { tenant: 'demo\u0000' }]) {
      const bad = await fetch(`${mesh.gatewayUrl}/v1/console/act-as`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(bad.status, 400, JSON.stringify(body).slice(0, 40));
    }
    await context.close();
  });

  test("a tenant admin's card view holds the gateway's URLs and no runtime origin", async () => {
    const platform: any = await (await fetch(`${mesh.gatewayUrl}/v1/console/agents`, { headers: { authorization: `Bearer ${adminToken}` } })).json();
    const origins = [...new Set(platform.agents.flatMap((a: any) => a.instances.map((i: any) => new URL(i.url).origin)))] as string[];
    assert.ok(origins.length > 0);
    const { context, page } = await newPage(DESKTOP);
    await signInAsTenant(page);
    for (const agent of ['echo', 'lead-scorer', 'orchestrator']) {
      await page.goto(`${mesh.gatewayUrl}/console/#/agents/${agent}`);
      await page.getByRole('button', { name: 'Show the agent card' }).click();
      const card = await page.locator('pre').last().innerText();
      assert.match(card, new RegExp(`${mesh.gatewayUrl}/agents/${agent}`));
      for (const origin of origins) assert.ok(!card.includes(origin), `${agent}'s card names ${origin}`);
      assert.ok(!(await page.locator('main').innerText()).includes(origins[0]!), 'nor anything else on the page');
    }
    await context.close();
  });

  test('a completed map-reduce of 10,000 leads shows every step completed, as it ran and when opened again', async () => {
    const { context, page } = await newPage(DESKTOP);
    await signInAsTenant(page);
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByLabel('Workflow', { exact: true }).selectOption('lead-map-reduce');
    await page.getByRole('button', { name: 'Start a run' }).click();
    await page.getByTestId('run-state').filter({ hasText: /^completed$/ }).waitFor({ timeout: 240_000 });
    mapRun = await page.locator('#run-h code').innerText();
    const graph = page.getByTestId('graph');
    const states = async () => graph.locator('li').evaluateAll((items) => items.map((li) => `${li.getAttribute('data-step')}=${li.getAttribute('data-state')}`));
    const live = await states();
    assert.ok(live.some((s) => s.startsWith('batches/*/enrich=')), live.join(' '));
    assert.deepEqual(live.filter((s) => !s.endsWith('=completed')), [], 'every step completed');
    assert.match(await graph.locator('li[data-step="batches/*/enrich"]').innerText(), /10,000 items/);
    await screenshot(page, 'workflow-map-completed');
    await page.goto(`${mesh.gatewayUrl}/console/#/overview`);
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.goto(`${mesh.gatewayUrl}/console/#/workflows/lead-map-reduce/runs/${encodeURIComponent(mapRun)}`);
    await page.getByTestId('run-state').filter({ hasText: /^completed$/ }).waitFor();
    await graph.locator('li[data-step="batches/*/score"]').waitFor();
    const reopened = await states();
    assert.deepEqual(reopened.filter((s) => !s.endsWith('=completed')), [], 'every step completed when opened again');
    await context.close();
  });

  test('on a slow network, no view says it is empty while its request is pending', async () => {
    const { context, page } = await newPage(DESKTOP);
    await signInAsTenant(page);
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByTestId('agents').locator('tr[data-agent="echo"]').waitFor();
    // Requests held until released: the page is looked at while they are pending.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = (url: URL) => url.pathname.startsWith('/v1/console/agents') || url.pathname.startsWith('/v1/tenants/');
    await page.route(held, async (route) => {
      await gate;
      await route.continue().catch(() => undefined);
    });
    await page.getByLabel('Search the registry').fill('score leads');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Loading…').waitFor();
    assert.equal(await page.getByTestId('agents').count(), 0, 'the old rows are not shown under the new search');
    await page.getByRole('link', { name: 'Credits' }).click();
    await page.getByText('Loading the usage…').waitFor();
    assert.equal(await page.getByText(/No call .* was charged/).count(), 0, 'no "no call" while the usage loads');
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByText('Loading the workflows…').waitFor();
    await page.getByRole('link', { name: 'Try it' }).click();
    assert.equal(await page.locator('#try-agent option').first().innerText(), 'Loading the agents…');
    await page.getByRole('link', { name: 'Tasks' }).click();
    assert.equal(await page.getByText(/No task of tenant/).count(), 0);
    release();
    await page.unroute(held);
    await page.getByRole('link', { name: 'Try it' }).click();
    await page.locator('#try-agent option[value="echo"]').waitFor({ state: 'attached' });
    await context.close();
  });

  for (const role of ['tenant admin', 'platform admin'] as const) {
    for (const viewport of [PHONE, DESKTOP]) {
      test(`every view, ${role}, ${viewport.width}×${viewport.height}: no sideways scroll, 24 px targets, no machine text, axe-core clean`, async () => {
        const { context, page } = await newPage(viewport);
        if (role === 'tenant admin') await signInAsTenant(page);
        else {
          await signInAsAdmin(page);
          await actIn(page, 'demo');
        }
        if (echoTask === '') {
          // A task of demo's to open: sent from Try it.
          await page.goto(`${mesh.gatewayUrl}/console/#/try/echo`);
          await page.getByLabel('Message', { exact: true }).fill('a task to look at');
          await page.getByRole('button', { name: 'Send' }).click();
          await page.getByTestId('task-state').filter({ hasText: /^completed$/ }).waitFor();
          echoTask = await page.locator('#task-h code').innerText();
        }
        const views: Array<[string, string, () => Promise<void>]> = [
          ['overview', 'overview', () => page.getByTestId('agent-health').waitFor()],
          ['agents', 'agents', () => page.getByTestId('agents').waitFor()],
          ['agent', 'agents/lead-scorer', () => page.getByTestId('instances').waitFor()],
          ['try-it', 'try/lead-scorer/score-leads', () => page.getByLabel(/^leadIds/).waitFor()],
          ['tasks', 'tasks', () => page.getByTestId('tasks').locator('tbody tr').first().waitFor()],
          ['task', `tasks/echo/${encodeURIComponent(echoTask)}`, () => page.getByTestId('conversation').waitFor()],
          ['workflows', 'workflows', () => page.getByTestId('graph').waitFor()],
          ...(mapRun === '' ? [] : ([['workflow-run', `workflows/lead-map-reduce/runs/${encodeURIComponent(mapRun)}`, () => page.getByTestId('run-state').filter({ hasText: 'completed' }).waitFor()]] as Array<[string, string, () => Promise<void>]>)),
          ['credits', 'credits', () => page.getByTestId('balance').waitFor()],
          ['audit', 'audit', () => page.getByTestId('audit').waitFor()],
          ['clients', 'clients', () => page.locator('main h1').waitFor()],
          ['not-found', 'no-such-view', () => page.getByRole('link', { name: 'Back to the overview' }).waitFor()],
        ];
        for (const [name, hash, ready] of views) {
          await page.goto(`${mesh.gatewayUrl}/console/#/${hash}`);
          // The hash route changes the view without a reload (a reload would sign out).
          await ready();
          const where = `${role}, ${viewport.width} px, ${name}`;
          const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
          const wider = width <= viewport.width ? '' : await page.evaluate(`[...document.querySelectorAll('main *, header > *')].filter((e) => !e.closest('nav') && e.getBoundingClientRect().right > ${viewport.width}).slice(0, 5).map((e) => e.outerHTML.slice(0, 120)).join('\\n')`);
          assert.ok(width <= viewport.width, `${where}: the page is ${width} px wide:\n${wider}`);
          const small = (await page.evaluate(SMALL_TARGETS)) as string[];
          assert.deepEqual(small, [], `${where}: touch targets under 24 px`);
          // Buttons, column headers and nav links never break inside a word; on a desktop each is one line, and so is the nav.
          const drawn = (await page.evaluate(LABEL_LINES)) as { multiLine: string[]; brokenWords: string[] };
          assert.deepEqual(drawn.brokenWords, [], `${where}: words broken inside`);
          if (viewport === DESKTOP) {
            assert.deepEqual(drawn.multiLine, [], `${where}: labels on more than one line`);
            const tops = await page.locator('nav[aria-label="Views"] a').evaluateAll((links) => links.map((a) => Math.round(a.getBoundingClientRect().top)));
            assert.equal(new Set(tops).size, 1, `${where}: the nav takes ${new Set(tops).size} lines`);
          }
          const text = await page.locator('body').innerText();
          assert.doesNotMatch(text, /TASK_STATE_/, `${where}: a raw task state`);
          assert.doesNotMatch(text, /^\s*[[{]\s*"/m, `${where}: a line of JSON`);
          assert.doesNotMatch(text, /(?<![\d.,])1 (agents|credits|calls|items|rows|tasks)\b/, `${where}: a plural that disagrees`);
          const violations = await seriousViolations(page);
          assert.deepEqual(violations, [], `${where}: ${JSON.stringify(violations, null, 2)}`);
          // A table shown as cards keeps its caption a line of text, not a column of letters.
          const captions = (await page.evaluate(`[...document.querySelectorAll('main caption')].map((c) => Math.round(c.getBoundingClientRect().width))`)) as number[];
          assert.ok(captions.every((w) => w >= viewport.width / 2), `${where}: captions ${captions.join(', ')} px wide`);
          if (name === 'workflow-run') await page.locator('#run-h').scrollIntoViewIfNeeded();
          // The pictures of docs/console.md#on-a-phone: every view of a tenant admin's, the platform admin's own.
          if (viewport === PHONE && (role === 'tenant admin' || name === 'clients' || name === 'tasks')) await screenshot(page, `phone-${role === 'tenant admin' ? 'tenant' : 'platform'}-${name}`, { fullPage: false });
        }
        if (viewport === PHONE) {
          // The nav is one row at the top, not a quarter of the first screen.
          const nav = await page.locator('nav[aria-label="Views"]').boundingBox();
          assert.ok(nav !== null && nav.height <= 60, `the nav is ${nav?.height} px tall`);
        }
        await context.close();
      });
    }
  }

  test('the pages reported no script error', () => {
    assert.deepEqual(pageProblems, []);
  });
});

/** A client-credentials token of the mesh's demo client. */
function tokenOf(mesh: Mesh): Promise<string> {
  return fetchToken(mesh.gatewayUrl, { clientId: mesh.clientId, clientSecret: mesh.clientSecret });
}
