/**
 * The write batches (the runtime's, the audit chain's, the credit lease's)
 * write values into multi-statement simple queries as literals, not bind
 * parameters. A literal that PostgreSQL read differently from the same value
 * bound would store other bytes than were hashed or charged, and one that
 * ended early would be SQL injection. So: any text, any safe integer, read
 * back through its literal on a real PostgreSQL, equals the same value sent
 * as a bind parameter; a value no literal can carry is refused, never
 * written.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pg from 'pg';
import { intLiteral, textLiteral, UnwritableLiteral } from '../../src/storage/postgres/sql-literals.js';
import { DATABASE_URL, postgresSkipReason } from '../helpers/services.js';

const skip = await postgresSkipReason();

/** Text a literal must get right: quotes, backslashes, dollar quotes, escapes PostgreSQL would read in E'…', any code point. */
const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("'", '\\', '$', '$$', 'E', "\\'", "''", '\n', '\r', '\t', ';', '--', '/*', 'x', '\\x41', '\\101', '\\u0041', '😀', 'é'), maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('SQL literals, read back on PostgreSQL', { skip }, () => {
  let client: pg.Client;

  before(async () => {
    client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
  });
  after(async () => {
    await client?.end();
  });

  test('any text without a NUL reads back through its literal as it does bound', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileText.filter((s) => !s.includes('\u0000')), { minLength: 1, maxLength: 5 }), async (values) => {
        // Several literals in one simple query, as the batches send them: one ending early would shift the rest.
        const literal = await client.query(`select ${values.map((v, i) => `${textLiteral(v)} as v${i}`).join(', ')}; select 1 as after`);
        const [row, tail] = (literal as unknown as pg.QueryResult[]).map((r) => r.rows[0]);
        const bound = await client.query(`select ${values.map((_, i) => `$${i + 1}::text as v${i}`).join(', ')}`, values);
        assert.deepEqual(row, bound.rows[0]);
        assert.deepEqual(tail, { after: 1 });
      }),
      { numRuns: 200 },
    );
  });

  test('any safe integer reads back through its literal; anything else is refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.maxSafeInteger(), async (n) => {
        // Cast, and written straight after a minus: neither may change what it reads as.
        const { rows } = await client.query(`select ${intLiteral(n)}::bigint::text as v, (10::numeric -${intLiteral(n)})::text as d`);
        assert.deepEqual(rows[0], { v: String(n), d: String(10n - BigInt(n)) });
      }),
      { numRuns: 200 },
    );
    for (const bad of [Number.NaN, 1.5, 2 ** 53, -(2 ** 53), Number.POSITIVE_INFINITY]) {
      assert.throws(() => intLiteral(bad), UnwritableLiteral, String(bad));
    }
  });

  test('text holding a NUL is refused, never written', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        assert.throws(() => textLiteral(`${a}\u0000${b}`), UnwritableLiteral);
      }),
    );
    assert.equal(textLiteral(null), 'NULL');
    assert.equal(intLiteral(null), 'NULL');
  });
});
