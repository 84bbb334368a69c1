/**
 * Child process of the registry benchmark: an agentmesh registry on its
 * embedded SQLite store or on PostgreSQL (or, as anchors, a bare node:http
 * server answering one fixed search response, and one whose PUT writes the
 * body as one row of a SQLite table, as a registration does). Reports its
 * URL over IPC, and its memory on `memory`; exits on `stop`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createRegistry } from '../../src/registry/index.js';
import { startPhaseProfiler, type PhaseProfiler } from './cpu-profile.js';

let profiler: PhaseProfiler | undefined;

type Start =
  | { type: 'start'; kind: 'registry'; dataDir: string; databaseUrl?: string }
  | { type: 'start'; kind: 'bare'; body: string }
  | { type: 'start'; kind: 'bare-put'; dataDir: string };

process.on('message', async (message: Start | { type: 'stop' } | { type: 'memory' } | { type: 'profile'; name: string }) => {
  if (message.type === 'stop') process.exit(0);
  if (message.type === 'profile') {
    await profiler?.write(message.name);
    process.send?.({ type: 'profiled' });
    return;
  }
  if (message.type === 'memory') {
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ type: 'memory', rss, heapUsed });
    return;
  }
  if (message.kind === 'registry') {
    const registry = await createRegistry({ config: { port: 0, host: '127.0.0.1', dataDir: message.dataDir, logLevel: 'silent', probeIntervalMs: 3_600_000, ...(message.databaseUrl && { databaseUrl: message.databaseUrl }) } });
    const { url } = await registry.listen();
    profiler = await startPhaseProfiler();
    process.send?.({ type: 'ready', url });
    return;
  }
  if (message.kind === 'bare-put') {
    // The same durability as the registry's SQLite (WAL, synchronous NORMAL); one row per PUT.
    const db = new BetterSqlite3(join(message.dataDir, 'bare.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('create table agents (name text primary key, card text not null, metadata text not null, updated_at integer not null)');
    const put = db.prepare('insert into agents (name, card, metadata, updated_at) values (?, ?, ?, ?) on conflict (name) do update set card = excluded.card, metadata = excluded.metadata, updated_at = excluded.updated_at');
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { card: unknown; metadata?: unknown };
        const name = decodeURIComponent(req.url!.split('/').at(-1)!);
        put.run(name, JSON.stringify(body.card), JSON.stringify(body.metadata ?? {}), Date.now());
        const answer = JSON.stringify({ name, revision: 1 });
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(answer)) });
        res.end(answer);
      });
    });
    server.listen(0, '127.0.0.1', () => process.send?.({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    return;
  }
  const body = Buffer.from(message.body);
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
});
process.on('disconnect', () => process.exit(0));
