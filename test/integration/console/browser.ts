/**
 * Debian's Chromium driven by playwright-core: headless, a fresh
 * profile, nothing fetched from the network but the page under test. `.ci/run`
 * installs the `chromium` package when it is missing; without it these tests
 * fail (never skip).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../e2e/mesh-process.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

/** Where Debian installs Chromium; CHROMIUM_PATH overrides it for other systems. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Starts headless Chromium (playwright gives each launch a fresh temporary profile). */
export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM}: install it (apt-get install chromium), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Builds the console into `consoleDir` (a gateway given it serves it at /console/). */
export function buildConsoleInto(consoleDir: string): void {
  const build = spawnSync(process.execPath, ['scripts/build-console.mjs', '--out-dir', consoleDir], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
}

/**
 * For the calling suite: the console built into a scratch dir (`prefix` names the test) before its
 * tests, and a Chromium page on a fresh context ({@link openConsolePage}); both gone after them.
 * `problems` gathers the page's uncaught errors, for the suite's last check.
 */
export function consoleInChromiumForSuite(prefix: string): { consoleDir: () => string; page: () => Page; problems: string[] } {
  const problems: string[] = [];
  const scratch = startedForSuite(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), prefix));
    const consoleDir = join(dataDir, 'console');
    buildConsoleInto(consoleDir);
    return { consoleDir, close: () => rmSync(dataDir, { recursive: true, force: true }) };
  });
  const browser = startedForSuite(async () => {
    const launched = await launchChromium();
    return { page: await openConsolePage(launched, problems), close: () => launched.close() };
  });
  return { consoleDir: () => scratch().consoleDir, page: () => browser().page, problems };
}

/** Opens the console at `consoleUrl` and signs in with a client's id and secret; resolves once signed in. */
export async function signInAsClient(page: Page, consoleUrl: string, client: { clientId: string; clientSecret: string }): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel('Client id', { exact: true }).fill(client.clientId);
  await page.getByLabel('Client secret', { exact: true }).fill(client.clientSecret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** A page of a fresh context, 1280 × 900, 15 s for each wait, its uncaught errors pushed into `problems`. */
export async function openConsolePage(browser: Browser, problems: string[]): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => problems.push(err.message));
  return page;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One axe-core violation, as the test reports it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules) on the page and returns the
 * serious and critical violations. The script is evaluated through the
 * DevTools protocol, which the page's CSP does not govern, so the page keeps
 * its production policy while it is checked.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ passes: unknown[]; violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    // A run that checked nothing (an empty page) would pass vacuously.
    if (result.passes.length === 0) throw new Error('axe-core checked no rule on this page');
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * With UPDATE_SCREENSHOTS=1, saves the page as docs/console/<name>.png (the
 * pictures of docs/console.md): the whole page, or what the screen shows
 * (`fullPage: false`, a phone's first screen, legible in the docs).
 */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  if (process.env['UPDATE_SCREENSHOTS'] !== '1') return;
  const dir = join(import.meta.dirname, '..', '..', '..', 'docs', 'console');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: options.fullPage ?? true });
}
