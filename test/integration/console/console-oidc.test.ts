// test-tier: tools (needs chromium)
/**
 * The web console's sign-in through an external OpenID Connect issuer
 * (ADR 0020): a real OpenID Provider (panva's oidc-provider, on port 0, with
 * its own login and consent pages) configured as an external issuer of a
 * real `agentmesh up`, and Debian's Chromium signing in through it with the
 * authorization code flow and PKCE. The issuer's access token carries the
 * tenant; the console must show that tenant, keep no token in the browser's
 * storage, refuse a tampered or replayed answer, and sign out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import type { Browser, Page } from 'playwright-core';
import { ROOT, startMesh, stopMesh, type Mesh } from '../e2e/mesh-process.js';
import { launchChromium, screenshot, seriousViolations } from './browser.js';

const CLIENT_ID = 'agentmesh-console';
/** The resource indicator (RFC 8707) the console asks for: the provider mints a JWT access token for it. */
const RESOURCE = 'urn:agentmesh:gateway';
/** The provider's one user, an admin of the demo tenant (the example agents are demo's). */
const USERS: ReadonlyMap<string, { tenant: string; name: string }> = new Map([['alice', { tenant: 'demo', name: 'Alice Admin' }]]);

describe('the web console signs in through an external OpenID Connect issuer, in Chromium', () => {
  let dataDir: string;
  let idpServer: Server;
  let issuer: string;
  let mesh: Mesh;
  let browser: Browser;
  let page: Page;
  /** The answer the provider sent the browser back with (code and state), kept to replay it. */
  let answered: string | undefined;
  const pageProblems: string[] = [];
  /** Lifetime of the access tokens the provider mints, seconds (a test shortens it to see one expire). */
  let accessTokenTtl = 600;

  /** A page in a fresh context (no cookies at the provider): what it reports on the console's pages is kept. */
  async function newPage(): Promise<Page> {
    const fresh = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    fresh.setDefaultTimeout(15_000);
    // Nothing leaves the machine: the provider's own pages link a web font.
    await fresh.route((url) => url.hostname !== '127.0.0.1' && url.hostname !== 'localhost', (route) => route.abort());
    const onConsole = () => new URL(fresh.url()).origin === mesh.gatewayUrl;
    fresh.on('console', (m) => {
      if (m.type() === 'error' && onConsole()) pageProblems.push(m.text());
    });
    fresh.on('pageerror', (err) => pageProblems.push(err.message));
    return fresh;
  }

  const storage = () => page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })');
  const EMPTY_STORAGE = JSON.stringify({ local: {}, session: {}, cookie: '' });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-console-oidc-'));
    const consoleDir = join(dataDir, 'console');
    const build = spawnSync(process.execPath, ['scripts/build-console.mjs', '--out-dir', consoleDir], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);

    // The provider's listener first: the gateway must know the issuer's URL, and the provider the gateway's.
    idpServer = createServer();
    idpServer.listen(0, '127.0.0.1');
    await once(idpServer, 'listening');
    issuer = `http://127.0.0.1:${(idpServer.address() as AddressInfo).port}`;

    mesh = await startMesh(['--data-dir', dataDir], {
      GATEWAY_CONSOLE_DIR: consoleDir,
      GATEWAY_EXTERNAL_ISSUERS: JSON.stringify([{ issuer, jwksUri: `${issuer}/jwks`, audience: 'agentmesh', tenantClaim: 'tenant', scopesClaim: 'scope' }]),
      GATEWAY_CONSOLE_OIDC_ISSUER: issuer,
      GATEWAY_CONSOLE_OIDC_CLIENT_ID: CLIENT_ID,
      GATEWAY_CONSOLE_OIDC_SCOPES: 'openid console:read',
      GATEWAY_CONSOLE_OIDC_RESOURCE: RESOURCE,
      GATEWAY_CONSOLE_OIDC_NAME: 'Test IdP',
    });

    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const provider = new Provider(issuer, {
      clients: [{ client_id: CLIENT_ID, token_endpoint_auth_method: 'none', redirect_uris: [`${mesh.gatewayUrl}/console/`], post_logout_redirect_uris: [`${mesh.gatewayUrl}/console/`], grant_types: ['authorization_code'], response_types: ['code'] }],
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test-idp', alg: 'RS256', use: 'sig' }] },
      cookies: { keys: ['console-oidc-test-cookie-key'] },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: () => accessTokenTtl, IdToken: 600, AuthorizationCode: 60 },
      // The console's origin only, for its public client (the default, stated).
      clientBasedCORS: (_ctx, origin) => origin === mesh.gatewayUrl,
      // Its own login and consent pages (any password: the test drives them as a person would).
      features: {
        devInteractions: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator) => {
            if (indicator !== RESOURCE) throw new errors.InvalidTarget();
            return { scope: 'console:read', audience: 'agentmesh', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
          },
        },
      },
      findAccount: (_ctx, id) => {
        const user = USERS.get(id);
        return user === undefined ? undefined : { accountId: id, claims: () => ({ sub: id, name: user.name }) };
      },
      // The tenant claim the gateway maps (externalIssuers[].tenantClaim).
      extraTokenClaims: (_ctx, token) => {
        const user = 'accountId' in token && typeof token.accountId === 'string' ? USERS.get(token.accountId) : undefined;
        return user === undefined ? undefined : { tenant: user.tenant };
      },
    });
    idpServer.on('request', provider.callback());

    browser = await launchChromium();
    page = await newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.isNavigationRequest() && url.origin === mesh.gatewayUrl && url.searchParams.has('code')) answered = request.url();
    });
  });

  after(async () => {
    await browser?.close();
    await stopMesh(mesh);
    idpServer?.closeAllConnections();
    idpServer?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("the gateway tells the page of the issuer, and its CSP lets the page reach the issuer's origin only", async () => {
    const config = await fetch(`${mesh.gatewayUrl}/v1/console/config`);
    assert.equal(config.status, 200);
    assert.deepEqual(await config.json(), { oidc: { issuer, clientId: CLIENT_ID, scopes: ['openid', 'console:read'], resource: RESOURCE, name: 'Test IdP' } });
    const csp = (await fetch(`${mesh.gatewayUrl}/console/`)).headers.get('content-security-policy')!;
    assert.match(csp, new RegExp(`connect-src 'self' ${issuer};`));
    assert.match(csp, /script-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  test('a tampered answer (a state this tab did not send) is refused, and the pending sign-in is gone', async () => {
    await page.goto(`${mesh.gatewayUrl}/console/`);
    // Hold the browser at the authorization endpoint: the request it was sent with is what the test checks.
    let authorization: URL | undefined;
    await page.route(`${issuer}/auth?**`, async (route) => {
      authorization = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>held</title><p>held by the test</p>' });
    });
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).click();
    await page.waitForURL(`${issuer}/auth?**`);
    await page.unroute(`${issuer}/auth?**`);
    const params = authorization!.searchParams;
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('client_id'), CLIENT_ID);
    assert.equal(params.get('redirect_uri'), `${mesh.gatewayUrl}/console/`);
    assert.equal(params.get('scope'), 'openid console:read');
    assert.equal(params.get('resource'), RESOURCE);
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.match(params.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(params.get('state')!.length >= 32 && params.get('nonce')!.length >= 32);

    await page.goto(`${mesh.gatewayUrl}/console/?code=forged&state=tampered&iss=${encodeURIComponent(issuer)}`);
    await page.getByText(/Sign-in through the issuer failed: .*state/).waitFor();
    assert.equal(new URL(page.url()).search, '', 'the answer is wiped from the address bar');
    assert.equal(await page.getByRole('button', { name: 'Sign out', exact: true }).count(), 0);
    assert.equal(await storage(), EMPTY_STORAGE, 'the pending sign-in was removed');
  });

  test("a person signs in through the issuer's login and consent pages and sees the console as the demo tenant's admin", async () => {
    await page.goto(`${mesh.gatewayUrl}/console/`);
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).waitFor();
    const violations = await seriousViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
    await screenshot(page, 'sign-in-oidc');
    await signInAsAlice(page);
    assert.match(await page.getByTestId('who').innerText(), /^alice · tenant demo$/);
    assert.equal(new URL(page.url()).search, '', 'the code and state are wiped from the address bar');
    assert.ok(answered !== undefined && /[?&]state=/.test(answered), 'the provider answered with a code and the state');
    assert.equal(await storage(), EMPTY_STORAGE, 'the access token is in memory only; the pending sign-in is gone');
    // The tenant's view: the example agents, every role ready.
    await page.getByTestId('roles').waitFor();
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByTestId('agents').locator('tr[data-agent="lead-scorer"]').waitFor();
  });

  test('signing out forgets the token; the same answer replayed signs nobody in', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You signed out.').waitFor();
    assert.equal(await storage(), EMPTY_STORAGE);
    await page.goto(answered!);
    await page.getByText(/Sign-in through the issuer failed: this tab started no sign-in/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign out', exact: true }).count(), 0);
    assert.equal(new URL(page.url()).search, '');
  });

  test("signing in again passes through the issuer's own session: sign-out ends the console's, not the issuer's", async () => {
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).click();
    // The provider still has alice's session and grant: it answers at once, with no login or consent page.
    await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
    assert.match(await page.getByTestId('who').innerText(), /^alice · tenant demo$/);
    assert.equal(await storage(), EMPTY_STORAGE);
  });

  test("signing out of the issuer too ends its session: the next sign-in asks for the login again", async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are still signed in at Test IdP.').waitFor();
    const violations = await seriousViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
    await page.getByRole('button', { name: 'Sign out of Test IdP too' }).click();
    // The provider asks the person to confirm (no ID token is sent: the console keeps none past sign-out).
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${mesh.gatewayUrl}/console/**`);
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).click();
    await page.getByPlaceholder('Enter any login').waitFor();
    await page.goto(`${mesh.gatewayUrl}/console/`);
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).waitFor();
    assert.equal(await storage(), EMPTY_STORAGE, 'the sign-in left at the login page is forgotten when the tab opens the console again');
  });

  test('an answer the issuer refused (the person cancelled at its login page) is shown, and nobody is signed in', async () => {
    const other = await newPage();
    try {
      await other.goto(`${mesh.gatewayUrl}/console/`);
      await other.getByRole('button', { name: 'Sign in with Test IdP' }).click();
      await other.getByRole('link', { name: '[ Cancel ]' }).click();
      await other.getByText(/Sign-in through the issuer failed: .*access_denied/).waitFor();
      assert.equal(await other.getByRole('button', { name: 'Sign out', exact: true }).count(), 0);
      assert.equal(new URL(other.url()).search, '');
      assert.equal(await other.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })'), EMPTY_STORAGE);
    } finally {
      await other.context().close();
    }
  });

  test('a token that expires sends the console back to sign-in, saying so', async () => {
    accessTokenTtl = 3;
    const other = await newPage();
    try {
      await other.goto(`${mesh.gatewayUrl}/console/`);
      await signInAsAlice(other);
      // Its expires_in (3 s) ends the session, as the client credentials' do.
      await other.getByText('Your session expired: sign in again.').waitFor({ timeout: 10_000 });
      assert.equal(await other.getByRole('button', { name: 'Sign out', exact: true }).count(), 0);
    } finally {
      accessTokenTtl = 600;
      await other.context().close();
    }
  });

  test('the page reported no error and no CSP violation', () => {
    assert.deepEqual(pageProblems, []);
  });
});

/**
 * Signs in from the console's sign-in page through the provider's own pages, its login form
 * (alice) and then its consent, and waits until the console shows her signed in.
 */
async function signInAsAlice(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign in with Test IdP' }).click();
  await page.getByPlaceholder('Enter any login').fill('alice');
  await page.getByPlaceholder('and password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
}
