/**
 * A reference ACP server written in the tests from the ACP document
 * (schemas/acp/openapi.yaml), independent of src/acp: plain node:http. It
 * serves agent discovery (`GET /agents` with `limit`/`offset`,
 * `GET /agents/{name}`) and `GET /ping`; runs are the gateway bridge's part
 * and are not served yet (404 in the document's Error shape).
 *
 * Every request it receives is checked against the document
 * (acp-conformance.ts) and recorded; every answer it gives is checked too,
 * except the manifests a test declares `nonConforming` on purpose.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkRequest, checkResponse } from './acp-conformance.js';

export interface AcpReferenceServerOptions {
  /** The manifests served, in list order (AgentManifest objects). */
  manifests: Array<Record<string, any>>;
  /** Names whose manifests break the schema on purpose: their answers are not checked. */
  nonConforming?: string[];
  /** What `GET /agents/{name}` answers instead of the listed manifest (a server whose two views disagree). */
  details?: Record<string, Record<string, any>>;
}

export interface AcpReferenceServer {
  /** The base URL (`http://127.0.0.1:<port>/acp`). */
  url: string;
  /** Every request received, as `METHOD /path?query` (relative to the base). */
  requests: string[];
  /** Requests checked against the document, answers included. */
  checked: number;
  /** The status `GET /ping` answers (200 by default; anything else is a failing agent). */
  pingStatus: number;
  close(): Promise<void>;
}

const BASE = '/acp';

export async function startAcpReferenceServer(options: AcpReferenceServerOptions): Promise<AcpReferenceServer> {
  const nonConforming = new Set(options.nonConforming ?? []);
  const state = { requests: [] as string[], checked: 0, pingStatus: 200 };

  function send(res: ServerResponse, method: string, path: string, status: number, body: unknown, check = true): void {
    if (check) {
      checkResponse(method, path, status, 'application/json', body);
      state.checked++;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://reference.invalid');
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith(`${BASE}/`)) {
      res.writeHead(404).end();
      return;
    }
    const path = url.pathname.slice(BASE.length);
    state.requests.push(`${method} ${path}${url.search}`);
    // Discovery and ping take no body: a body, or a method the document lacks, fails here.
    checkRequest(method, path, undefined);
    state.checked++;
    if (method === 'GET' && path === '/ping') {
      if (state.pingStatus === 200) send(res, method, path, 200, {});
      else send(res, method, path, state.pingStatus, { code: 'server_error', message: 'the reference agent is failing on purpose' });
      return;
    }
    if (method === 'GET' && path === '/agents') {
      // The document's defaults and bounds: limit 1..1000 (default 10), offset >= 0 (default 0).
      const limit = Number(url.searchParams.get('limit') ?? 10);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(offset) || offset < 0) {
        send(res, method, path, 400, { code: 'invalid_input', message: 'limit must be 1-1000 and offset >= 0' });
        return;
      }
      const page = options.manifests.slice(offset, offset + limit);
      send(res, method, path, 200, { agents: page }, !page.some((m) => nonConforming.has(m['name'])));
      return;
    }
    const named = /^\/agents\/([^/]+)$/.exec(path);
    if (method === 'GET' && named) {
      const name = decodeURIComponent(named[1]!);
      const listed = options.manifests.find((m) => m['name'] === name);
      const manifest = listed !== undefined && options.details !== undefined && Object.hasOwn(options.details, name) ? options.details[name] : listed;
      if (manifest === undefined) send(res, method, path, 404, { code: 'not_found', message: `no agent named ${name}` });
      else send(res, method, path, 200, manifest, !nonConforming.has(name));
      return;
    }
    send(res, method, path, 404, { code: 'not_found', message: `${method} ${path} is not served by the reference agent` });
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      // A conformance failure: answer 500 so the caller fails, and keep the reason for the test's log.
      state.requests.push(`NONCONFORMING ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end((err as Error).message);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${BASE}`,
    get requests() {
      return state.requests;
    },
    get checked() {
      return state.checked;
    },
    get pingStatus() {
      return state.pingStatus;
    },
    set pingStatus(status: number) {
      state.pingStatus = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
