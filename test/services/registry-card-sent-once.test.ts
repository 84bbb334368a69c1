/**
 * A registration sends its agent card to PostgreSQL once. The agents row and
 * the change log each store the card (a change is the record as of its seq,
 * which replicas and watchers read after the row has moved on, or is gone),
 * but the log's copy is made in the database, from the row written in the
 * same transaction, whenever the row holds that very card; what every reader
 * of the log gets is unchanged, byte for byte.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCard } from '@a2a-js/sdk';
import { RegistryStore, type AgentDecision } from '../../src/registry/store/registry-store.js';
import { cardToJsonText, recordToJsonText } from '../../src/contracts/registry/index.js';
import { databaseBackends } from '../helpers/database-backends.js';
import { pgStatementsDuring, register as registerWith, registryStoreOn } from '../helpers/registry-store-writes.js';
import { sampleCard } from '../helpers/registry-fixture.js';

/** What pg sends while `run` runs: each statement's text and its parameter values. */
async function captureSent<T>(run: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const { result, statements } = await pgStatementsDuring(run);
  return { result, sent: statements.flatMap((s) => [s.text, ...s.values.map((v) => (v === null || v === undefined ? '' : String(v)))]) };
}

/** How many times `needle` occurs in what was sent. */
const occurrences = (sent: readonly string[], needle: string) => sent.reduce((n, s) => n + s.split(needle).length - 1, 0);

/** A card of a realistic size: a dozen skills, each described. */
function cardOf(name: string, version = '1.0.0'): AgentCard {
  const skills = Array.from({ length: 12 }, (_, i) => ({
    id: `skill-${i}`,
    name: `Skill ${i}`,
    description: `Skill ${i} of ${name}: scores, ranks and explains the leads it is given, in the tenant's own terms.`,
    tags: ['leads', 'scoring', `tag-${i}`],
    examples: [`score these leads for skill ${i}`, `explain lead l${i}`],
  }));
  return AgentCard.fromJSON(sampleCard(name, { version, skills }));
}

/** A new agent's record, with a card of a realistic size unless given one. */
const register = (name: string, card = cardOf(name)): AgentDecision => registerWith(name, card);

const replaceCard =
  (card: AgentCard): AgentDecision =>
  (current, now) => (current ? { kind: 'updated', record: { ...current, card, revision: current.revision + 1, updatedAt: new Date(now).toISOString() } } : undefined);

for (const backend of await databaseBackends({ tmpPrefix: 'agentmesh-registry-card-' })) {
  if (backend.name !== 'postgres') continue;
  describe('a registration sends its card to PostgreSQL once', { skip: backend.skip }, () => {
    const suite = registryStoreOn(backend);
    let store: RegistryStore;
    before(() => {
      store = suite.store();
    });

    /** The log after `seq` as another replica reads it (nothing kept of these writes): from the rows. */
    const logElsewhere = (seq: number) => new RegistryStore(suite.opened().database).changesSince(seq, 500);

    test('an agent registered with its instance: the card goes once, and each change of the log carries it', async () => {
      const seq = (await store.changeBounds()).newest;
      const card = cardOf('with-instance');
      const { result, sent } = await captureSent(() => store.writeAgent('with-instance', register('with-instance', card), { instance: { id: 'wi-1', url: 'https://agents.example.com/with-instance', kind: 'leased', leaseTtlMs: 60_000 } }));
      assert.equal(occurrences(sent, cardToJsonText(card)), 1, 'the card text, sent once');
      const logged = await logElsewhere(seq);
      assert.deepEqual(
        logged.map((c) => c.kind),
        result.changes.map((c) => c.kind),
      );
      const withRecord = logged.filter((c) => c.record !== undefined);
      assert.ok(withRecord.length >= 1);
      for (const change of withRecord) assert.equal(cardToJsonText(change.record!.card), cardToJsonText(card));
      assert.deepEqual(
        logged.map((c) => c.record?.revision),
        result.changes.map((c) => c.record?.revision),
      );
      const stored = await suite.opened().database.db.selectFrom('registry_changes').select(['seq', 'record']).where('seq', '>', seq).orderBy('seq').execute();
      assert.deepEqual(
        stored.map((row) => row.record),
        result.changes.map((c) => (c.record === undefined ? null : recordToJsonText(c.record))),
        'the log holds, byte for byte, the text the whole record would have been sent as',
      );
    });

    test('agents registered together, in one statement with their log: each card goes once', async () => {
      const seq = (await store.changeBounds()).newest;
      const names = Array.from({ length: 8 }, (_, i) => `together-${i}`);
      const cards = names.map((name) => cardOf(name));
      const { sent } = await captureSent(() => Promise.all(names.map((name, i) => store.writeAgent(name, register(name, cards[i])))));
      for (const card of cards) assert.equal(occurrences(sent, cardToJsonText(card)), 1, `${card.name}: its card text, sent once`);
      const logged = await logElsewhere(seq);
      assert.deepEqual(
        logged.map((c) => [c.kind, c.agent, c.record && cardToJsonText(c.record.card)]),
        names.map((name, i) => ['registered', name, cardToJsonText(cards[i]!)]),
      );
    });

    test('a page of the log read back by its writer names only the kept changes the page can hold', async () => {
      const seq = (await store.changeBounds()).newest;
      const names = Array.from({ length: 6 }, (_, i) => `paged-${i}`);
      for (const name of names) await store.writeAgent(name, register(name));
      const { result: page, statements } = await pgStatementsDuring(() => store.changesSince(seq, 2));
      assert.deepEqual(
        page.map((c) => [c.agent, c.record?.name]),
        names.slice(0, 2).map((name) => [name, name]),
      );
      // The seqs the query is told to leave the record out of: the page's two, not every change kept after seq.
      const read = statements.find((st) => st.text.includes('registry_changes') && st.text.includes('any('));
      assert.ok(read !== undefined, statements.map((st) => st.text).join('\n'));
      const keptSeqs = read.values.find(Array.isArray) as unknown[] | undefined;
      assert.deepEqual(keptSeqs?.map(Number), page.map((c) => c.seq));
    });

    test('a card replaced twice in one group: each change keeps the card it was made with', async () => {
      await store.writeAgent('replaced', register('replaced'));
      const seq = (await store.changeBounds()).newest;
      const second = cardOf('replaced', '2.0.0');
      const third = cardOf('replaced', '3.0.0');
      const [a, b] = await Promise.all([store.writeAgent('replaced', replaceCard(second)), store.writeAgent('replaced', replaceCard(third))]);
      assert.deepEqual([a.record?.card.version, b.record?.card.version], ['2.0.0', '3.0.0']);
      const logged = await logElsewhere(seq);
      assert.deepEqual(
        logged.map((c) => [c.kind, c.record?.revision, c.record?.card.version]),
        [
          ['updated', 2, '2.0.0'],
          ['updated', 3, '3.0.0'],
        ],
      );
    });

    test('a write rolled back in its group leaves each change of the log with the card it was made with', async () => {
      await store.writeAgent('rolled', register('rolled'));
      const seq = (await store.changeBounds()).newest;
      const [second, third] = [cardOf('rolled', '2.0.0'), cardOf('rolled', '3.0.0')];
      // One group: the card replaced twice, then a write that puts the second card back and fails after
      // writing it (its instance is refused by the database), so that its savepoint is rolled back.
      const outcomes = await Promise.allSettled([
        store.writeAgent('rolled', replaceCard(second)),
        store.writeAgent('rolled', replaceCard(third)),
        store.writeAgent('rolled', replaceCard(cardOf('rolled', '2.0.0')), { instance: { id: 'r-1', url: 'https://agents.example.com/\u0000', kind: 'static' } }),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'fulfilled', 'rejected'],
      );
      assert.equal((await store.getAgent('rolled'))?.card.version, '3.0.0');
      const logged = await logElsewhere(seq);
      assert.deepEqual(
        logged.map((c) => [c.kind, c.record?.revision, c.record?.card.version]),
        [
          ['updated', 2, '2.0.0'],
          ['updated', 3, '3.0.0'],
        ],
      );
    });
  });
}
