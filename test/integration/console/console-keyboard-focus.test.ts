// test-tier: tools (needs chromium)
/**
 * The console with the keyboard alone, in Debian's Chromium against a real
 * gateway, registry and runtime: a view chosen with Enter takes the focus
 * to its heading (so a screen reader reads it), and the next Tab goes into
 * the view, never to the navigation link after the one chosen; a view that
 * shows its heading only once its data loads (an agent's page) takes the
 * focus when it does.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createClient } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { ROOT } from '../e2e/mesh-process.js';
import { launchChromium, seriousViolations } from './browser.js';

/** The navigation's links, as the console lists them. */
const VIEWS = ['Overview', 'Agents', 'Try it', 'Tasks', 'Workflows', 'Credits', 'Approvals', 'Audit', 'Clients'];

/** What has the focus: its tag, its text, whether it lies in <main> or is a navigation link. */
const FOCUSED = `(() => {
  const el = document.activeElement;
  return { tag: el?.tagName ?? '', text: (el?.textContent ?? '').trim().slice(0, 60), inMain: Boolean(el?.closest('main')), navLink: Boolean(el?.closest('nav')) && el?.tagName === 'A' };
})()`;

interface Focused {
  tag: string;
  text: string;
  inMain: boolean;
  navLink: boolean;
}

describe('the console with the keyboard alone', () => {
  let dataDir: string;
  let mesh: GatewayMesh;
  let browser: Browser;
  let page: Page;
  const pageProblems: string[] = [];

  const focused = async (): Promise<Focused> => (await page.evaluate(FOCUSED)) as Focused;
  /** Waits for the focus to settle on the view's heading, then says what has it. */
  const headingFocused = async (): Promise<Focused> => {
    // A wait that ends the moment it holds; past it, the assertion says where the focus is instead.
    await page.locator('main h1:focus').waitFor({ timeout: 10_000 }).catch(() => undefined);
    return focused();
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-console-keyboard-'));
    const consoleDir = join(dataDir, 'console');
    const build = spawnSync(process.execPath, ['scripts/build-console.mjs', '--out-dir', consoleDir], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
    mesh = await startGatewayMesh({ gateway: { consoleDir } });
    const viewer = await createClient(mesh.gw.url, { name: 'keyboard-user', tenant: 'acme', scopes: ['console:read', 'a2a:message:send', 'a2a:tasks:read'] });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageProblems.push(err.message));
    await page.goto(`${mesh.gw.url}/console/`);
    await page.getByLabel('Client id', { exact: true }).focus();
    await page.keyboard.type(viewer.clientId);
    await page.getByLabel('Client secret', { exact: true }).focus();
    await page.keyboard.type(viewer.clientSecret);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await mesh?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('a view chosen with Enter has the focus on its heading, and the next Tab goes into the view, not to the next link', async () => {
    const tabbedInto: string[] = [];
    for (const [i, name] of VIEWS.entries()) {
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name, exact: true }).focus();
      await page.keyboard.press('Enter');
      const onHeading = await headingFocused();
      assert.equal(onHeading.tag, 'H1', `after choosing ${name}, the focus is on ${JSON.stringify(onHeading)}`);
      assert.ok(onHeading.inMain, `${name}: the heading in focus is the view's`);
      // Loaded: the controls of the view are drawn, and Tab has something to go to in it.
      await page.locator('main [aria-busy="true"]').waitFor({ state: 'detached' });
      const controls = await page.locator('main').locator('a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, summary').count();
      await page.keyboard.press('Tab');
      const next = await focused();
      const nextLink = VIEWS[i + 1];
      assert.ok(!(next.navLink && next.text === nextLink), `${name}: Tab went to the next link, ${nextLink}`);
      if (controls > 0) {
        assert.ok(next.inMain, `${name}: Tab went to ${JSON.stringify(next)}, outside the view`);
        tabbedInto.push(name);
      }
    }
    // The views with a control from the start, whatever the tenant holds: the search, the two agent pickers, the filters.
    for (const name of ['Agents', 'Try it', 'Tasks', 'Audit']) assert.ok(tabbedInto.includes(name), `${name} had no control to tab to (${tabbedInto.join(', ')} had)`);
  });

  test("a view whose heading comes with its data (an agent's page) takes the focus when it is drawn", async () => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Agents', exact: true }).focus();
    await page.keyboard.press('Enter');
    await headingFocused();
    await page.locator('main').getByRole('link', { name: 'tester', exact: true }).focus();
    await page.keyboard.press('Enter');
    const onHeading = await headingFocused();
    assert.equal(onHeading.tag, 'H1', JSON.stringify(onHeading));
    assert.match(onHeading.text, /^tester\b/);
    await page.keyboard.press('Tab');
    assert.ok((await focused()).inMain, 'Tab goes on into the agent page');
    const violations = await seriousViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
    assert.deepEqual(pageProblems, []);
  });
});
