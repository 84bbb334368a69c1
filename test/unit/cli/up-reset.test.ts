import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { MESH_STATE_FILES, resetDataDir, storeInUse } from '../../../src/cli/commands/up/up-reset.js';
import { ErrorCodes } from '../../../src/protocol/errors.js';

function folder(t: TestContext, files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-reset-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const file of files) {
    if (file === 'mesh.db') store(join(dir, file)).close();
    else writeFileSync(join(dir, file), 'x');
  }
  return dir;
}

/** A store like the mesh's: SQLite in WAL mode. */
function store(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS t (x)');
  return db;
}

describe('resetDataDir', () => {
  test('deletes every mesh state file and keeps the folder', (t) => {
    const dir = folder(t, MESH_STATE_FILES.filter((f) => !/-(wal|shm|journal)$/.test(f)));
    // What a mesh killed with -9 leaves: its WAL and shared memory, and no lock.
    const crashed = store(join(dir, 'mesh.db'));
    crashed.exec('INSERT INTO t VALUES (1)');
    for (const f of ['mesh.db-wal', 'mesh.db-shm']) assert.equal(existsSync(join(dir, f)), true);
    writeFileSync(join(dir, 'mesh.db-journal'), '');
    // Closing would checkpoint and delete the WAL: keep it, as a crash does, by copying the files aside and back.
    const files = ['mesh.db', 'mesh.db-wal', 'mesh.db-shm'].map((f) => [f, readFileSync(join(dir, f))] as const);
    crashed.close();
    for (const [f, bytes] of files) writeFileSync(join(dir, f), bytes);
    // The claim is the resetting `up`'s own, taken before the reset: it stays.
    assert.deepEqual(resetDataDir({ dataDir: dir }), MESH_STATE_FILES.filter((f) => f !== 'up.lock').sort());
    assert.deepEqual(readdirSync(dir), ['up.lock']);
  });

  test("deletes the ACP example's state folder too, and refuses it when it holds anything else or its store is open", (t) => {
    const dir = folder(t, ['mesh.db', 'demo-client.json']);
    mkdirSync(join(dir, 'acp-example'));
    store(join(dir, 'acp-example', 'mesh.db')).close();
    writeFileSync(join(dir, 'acp-example', 'runtime-secret'), 'x');
    const running = store(join(dir, 'acp-example', 'mesh.db'));
    assert.throws(() => resetDataDir({ dataDir: dir }), /a running agentmesh has its store open/);
    running.close();
    writeFileSync(join(dir, 'acp-example', 'notes.txt'), 'mine');
    assert.throws(() => resetDataDir({ dataDir: dir }), /it holds acp-example\)/);
    rmSync(join(dir, 'acp-example', 'notes.txt'));
    assert.deepEqual(resetDataDir({ dataDir: dir }), ['acp-example/mesh.db', 'acp-example/runtime-secret', 'demo-client.json', 'mesh.db']);
    assert.deepEqual(readdirSync(dir), []);
  });

  test("deletes the gateway's answer journal (its slots, locks and journal files), and refuses it when it holds anything else", (t) => {
    const dir = folder(t, ['mesh.db', 'gateway-secret']);
    const journal = join(dir, 'gateway-journal');
    for (const slot of ['0', '1']) mkdirSync(join(journal, slot), { recursive: true });
    for (const file of ['0/lock', '0/id', '0/3.journal', '1/lock']) writeFileSync(join(journal, file), 'x');
    mkdirSync(join(journal, '2'));
    writeFileSync(join(journal, '0', 'notes.txt'), 'mine');
    assert.throws(() => resetDataDir({ dataDir: dir }), /it holds gateway-journal\)/);
    rmSync(join(journal, '0', 'notes.txt'));
    mkdirSync(join(journal, 'backup'));
    assert.throws(() => resetDataDir({ dataDir: dir }), /it holds gateway-journal\)/);
    rmSync(join(journal, 'backup'), { recursive: true });
    assert.deepEqual(resetDataDir({ dataDir: dir }), ['gateway-journal/0/3.journal', 'gateway-journal/0/id', 'gateway-journal/0/lock', 'gateway-journal/1/lock', 'gateway-secret', 'mesh.db']);
    assert.deepEqual(readdirSync(dir), []);
  });

  test('has nothing to do for a folder that does not exist or is empty', (t) => {
    const dir = folder(t, []);
    assert.deepEqual(resetDataDir({ dataDir: join(dir, 'missing') }), []);
    assert.deepEqual(resetDataDir({ dataDir: dir }), []);
    assert.equal(existsSync(dir), true);
  });

  test('refuses a folder holding anything else, naming it, and deletes nothing', (t) => {
    const dir = folder(t, ['mesh.db', 'demo-client.json', 'thesis.tex']);
    assert.throws(() => resetDataDir({ dataDir: dir }), {
      code: ErrorCodes.CLI_USAGE,
      message: `refusing to reset ${dir}: it does not look like an agentmesh data dir (it holds thesis.tex); pass the right --data-dir, or move those out first`,
    });
    assert.deepEqual(readdirSync(dir).sort(), ['demo-client.json', 'mesh.db', 'thesis.tex']);
  });

  test('refuses a known name that is a folder or a link, which the mesh never makes', (t) => {
    const dir = folder(t, ['demo-client.json']);
    mkdirSync(join(dir, 'mesh.db'));
    assert.throws(() => resetDataDir({ dataDir: dir }), /it holds mesh\.db\)/);
    const linked = folder(t, []);
    symlinkSync(join(dir, 'demo-client.json'), join(linked, 'signing-key.json'));
    assert.throws(() => resetDataDir({ dataDir: linked }), /it holds signing-key\.json\)/);
    assert.equal(existsSync(join(dir, 'demo-client.json')), true);
  });

  test('refuses a store another process has open, deleting nothing', (t) => {
    const dir = folder(t, ['demo-client.json']);
    const running = store(join(dir, 'mesh.db'));
    t.after(() => running.close());
    assert.throws(() => resetDataDir({ dataDir: dir }), { code: ErrorCodes.CLI_USAGE, message: `refusing to reset ${dir}: a running agentmesh has its store open; stop it first` });
    assert.equal(existsSync(join(dir, 'demo-client.json')), true);
  });

  test('refuses a mesh.db that is no SQLite database', (t) => {
    const dir = folder(t, []);
    writeFileSync(join(dir, 'mesh.db'), 'my notes, not a database');
    assert.throws(() => resetDataDir({ dataDir: dir }), /mesh\.db is not an agentmesh store/);
    assert.equal(readFileSync(join(dir, 'mesh.db'), 'utf8'), 'my notes, not a database');
  });

  test('lists at most five strangers', (t) => {
    const dir = folder(t, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    assert.throws(() => resetDataDir({ dataDir: dir }), /it holds a, b, c, d, e, and 2 more\)/);
  });

  test('refuses a file given as the data dir', (t) => {
    const dir = folder(t, ['notes.txt']);
    assert.throws(() => resetDataDir({ dataDir: join(dir, 'notes.txt') }), { code: ErrorCodes.CLI_USAGE, message: `refusing to reset ${join(dir, 'notes.txt')}: it is not a folder (--data-dir)` });
  });

  test('refuses when DATABASE_URL holds the state, deleting nothing', (t) => {
    const dir = folder(t, ['mesh.db', 'gateway-secret']);
    assert.throws(() => resetDataDir({ dataDir: dir, databaseUrl: 'postgres://db/mesh' }), { code: ErrorCodes.CLI_USAGE, message: /DATABASE_URL is set/ });
    assert.deepEqual(readdirSync(dir).sort(), ['gateway-secret', 'mesh.db']);
  });
});

describe('storeInUse', () => {
  test('is true while another connection has the store open, false once it is closed or when there is no store', (t) => {
    const dir = folder(t, ['mesh.db']);
    assert.equal(storeInUse(join(dir, 'missing.db')), false);
    assert.equal(storeInUse(join(dir, 'mesh.db')), false);
    const running = store(join(dir, 'mesh.db'));
    assert.equal(storeInUse(join(dir, 'mesh.db')), true);
    // The probe leaves the running store as it was.
    running.exec('INSERT INTO t VALUES (2)');
    running.close();
    assert.equal(storeInUse(join(dir, 'mesh.db')), false);
  });
});
