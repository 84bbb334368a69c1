import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DETECTORS, PII_KINDS, findPii, luhnValid, mayHoldPii, type PiiKind, type PiiMatch } from '../../../src/gateway/policy/pii-detectors.js';
import { PiiPolicies, parsePiiPolicy, piiConfigSchema, resolvePiiPolicy } from '../../../src/gateway/policy/pii-policy.js';
import { piiBlockedError, scanMessage, withMessage } from '../../../src/gateway/policy/pii.js';
import { ErrorCodes, WIRE } from '../../../src/protocol/errors.js';

const ALL = new Set<PiiKind>(PII_KINDS);
const found = (text: string, kinds: ReadonlySet<PiiKind> = ALL) => findPii(text, kinds).map((m) => `${m.kind}:${text.slice(m.start, m.end)}`);

/** Appends the Luhn check digit to `body`. */
function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${body}${d}`, 0, body.length + 1)) return `${body}${d}`;
  throw new Error('unreachable');
}

/** A Luhn-valid card number of 13-19 digits, written plain, in groups of four, or 4-6-5. */
const cardArb = fc
  .tuple(fc.integer({ min: 13, max: 19 }), fc.constantFrom('', ' ', '-'), fc.integer({ min: 1, max: 9 }))
  .chain(([length, sep, lead]) =>
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - 2, maxLength: length - 2 }).map((digits) => {
      const number = withCheckDigit(`${lead}${digits.join('')}`);
      if (sep === '') return number;
      if (number.length === 15 && lead === 3) return `${number.slice(0, 4)}${sep}${number.slice(4, 10)}${sep}${number.slice(10)}`;
      return number.match(/.{1,4}/g)!.join(sep);
    }),
  );

/** Text with neither digit nor '@' (letters, punctuation, spaces, any other code point). */
const plainText = fc.string({ unit: fc.oneof(fc.constantFrom(' ', '.', ',', '-', '(', ')', '+', '\n'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !/[0-9@]/.test(c)), fc.constantFrom('a', 'B', 'z', 'é', '中', '😀')), maxLength: 200 });
/** Words around a number: letters only at the edges, so the number stands alone. */
const word = fc.stringMatching(/^[a-zA-Z]{0,12}$/);

const PII_SAMPLES = ['john.doe+tag@example.co.uk', 'a@b.io', '+1 415 555 2671', '(555) 123-4567', '020 7946 0958', '07700 900123', '4111 1111 1111 1111', '378282246310005', '123-45-6789', 'AB 12 34 56 C', 'ab123456c'];

describe('PII detectors', () => {
  test('find each kind as people write it', () => {
    assert.deepEqual(found('mail john.doe+tag@example.co.uk.'), ['email:john.doe+tag@example.co.uk']);
    assert.deepEqual(found('card 4111 1111 1111 1111 exp 12/27'), ['card:4111 1111 1111 1111']);
    assert.deepEqual(found('4111-1111-1111-1111 and 4111111111111111'), ['card:4111-1111-1111-1111', 'card:4111111111111111']);
    assert.deepEqual(found('amex 3782 822463 10005'), ['card:3782 822463 10005']);
    assert.deepEqual(found('ssn 123-45-6789 or 123 45 6789'), ['us_ssn:123-45-6789', 'us_ssn:123 45 6789']);
    assert.deepEqual(found('call (555) 123-4567, +1 415 555 2671, +442079460958 or 1-800-555-0199'), ['phone:(555) 123-4567', 'phone:+1 415 555 2671', 'phone:+442079460958', 'phone:1-800-555-0199']);
    assert.deepEqual(found('uk 020 7946 0958, mobile 07700 900123'), ['phone:020 7946 0958', 'phone:07700 900123']);
    assert.deepEqual(found('nino AB 12 34 56 C and ab123456c'), ['uk_nino:AB 12 34 56 C', 'uk_nino:ab123456c']);
  });

  test('leave alone what only looks like personal data', () => {
    const none = [
      'order 12345678901234', // a plain long number is no phone
      '4111 1111 1111 1112', // Luhn invalid
      'uuid 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      'version v1.555.123.4567',
      'pi 3.14159265358979',
      '2024-01-02T03:04:05Z',
      'ssn 000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000',
      'nino QQ123456C DA123456A BG123456A AB123456E',
      'a@b x@localhost user@-bad.com @@@@ a@b.c1',
      '1234-5678', // too short for anything
    ];
    for (const text of none) assert.deepEqual(found(text), [], text);
  });

  test('a generated valid card number embedded in text is found, exactly (property)', () => {
    fc.assert(
      fc.property(word, cardArb, word, (before, card, after) => {
        const text = `${before} ${card} ${after}`;
        const matches = findPii(text, new Set<PiiKind>(['card']));
        assert.deepEqual(matches, [{ kind: 'card', start: before.length + 1, end: before.length + 1 + card.length }]);
      }),
      { numRuns: 500, seed: 4111 },
    );
  });

  test('a Luhn-invalid number is never a card (property)', () => {
    fc.assert(
      fc.property(cardArb, fc.integer({ min: 1, max: 9 }), (card, delta) => {
        const last = Number(card.at(-1));
        const broken = `${card.slice(0, -1)}${(last + delta) % 10}`;
        assert.deepEqual(findPii(`pay ${broken} now`, new Set<PiiKind>(['card'])), []);
      }),
      { numRuns: 500, seed: 4112 },
    );
  });

  test('text without digits or @ holds nothing (property)', () => {
    fc.assert(
      fc.property(plainText, (text) => {
        assert.deepEqual(findPii(text, ALL), []);
      }),
      { numRuns: 1000, seed: 15 },
    );
  });

  test('matches are sorted, in bounds and never overlap, whatever the text (property)', () => {
    const noisy = fc.array(fc.oneof(fc.constantFrom(...PII_SAMPLES), fc.string({ maxLength: 12 }), fc.stringMatching(/^[0-9 ()+.@-]{0,16}$/)), { maxLength: 12 }).map((a) => a.join(' '));
    fc.assert(
      fc.property(noisy, (text) => {
        let last = 0;
        for (const m of findPii(text, ALL)) {
          assert.ok(m.start >= last && m.end > m.start && m.end <= text.length, JSON.stringify({ text, m }));
          last = m.end;
        }
      }),
      { numRuns: 1000, seed: 16 },
    );
  });

  test('run in linear time on adversarial input (no catastrophic backtracking)', () => {
    const n = 1_000_000;
    const adversarial: Record<string, string> = {
      'letters then @': `${'a'.repeat(n)}@`,
      'many @': '@'.repeat(n),
      'local@ repeated': 'a.b@'.repeat(n / 4),
      'domain without tld': `x@${'a'.repeat(n)}`,
      'dotted domain': `x@${'a.'.repeat(n / 2)}`,
      'digits and spaces': '1 '.repeat(n / 2),
      'groups of four': '4111 '.repeat(n / 5),
      'dashes': '12-'.repeat(n / 3),
      'plus signs': '+1'.repeat(n / 2),
      'parentheses': '(5'.repeat(n / 2),
      'one long number': '7'.repeat(n),
      'nino-like': 'AB12 34 56 '.repeat(n / 11),
      'mixed': 'a@1 (2) +3-4.5 AB12 '.repeat(n / 20),
    };
    for (const [name, text] of Object.entries(adversarial)) {
      // CPU time, not wall time: a loaded machine stretches the wall clock many times over, not the work.
      const started = process.cpuUsage();
      findPii(text, ALL);
      const { user, system } = process.cpuUsage(started);
      const ms = (user + system) / 1000;
      // Quadratic work on a megabyte would take minutes of CPU; linear takes milliseconds.
      assert.ok(ms < 5000, `${name}: ${ms.toFixed(0)} ms of CPU for ${text.length} characters`);
    }
  });
});

describe('PII scan of a message', () => {
  const redactAll = resolvePiiPolicy([{ action: 'redact' }])!;

  test('counts per kind, redacts text and data strings, leaves the original untouched', () => {
    const policy = resolvePiiPolicy([{ action: 'redact', kinds: ['email', 'phone'] }, { action: 'log', kinds: ['card'] }])!;
    const message = JSON.parse(JSON.stringify({ messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'mail a@b.com card 4111 1111 1111 1111' }, { data: { contact: { phone: '+44 20 7946 0958', list: ['x', 'c@d.org'] }, n: 5 } }, { url: 'https://x.test/a@b.com' }] }));
    const before = JSON.stringify(message);
    const scan = scanMessage(message, policy);
    assert.deepEqual(scan.counts, { email: 2, card: 1, phone: 1 });
    assert.equal(scan.total, 4);
    assert.equal(scan.action, 'redact');
    assert.equal(scan.incomplete, false);
    assert.deepEqual(scan.locations.map((l) => `${l.field}:${l.kind}`), ['message.parts[0].text:email', 'message.parts[0].text:card', 'message.parts[1].data.contact.phone:phone', 'message.parts[1].data.contact.list[1]:email']);
    assert.deepEqual(scan.redacted, {
      messageId: 'm',
      role: 'ROLE_USER',
      parts: [{ text: 'mail [redacted:email] card 4111 1111 1111 1111' }, { data: { contact: { phone: '[redacted:phone]', list: ['x', '[redacted:email]'] }, n: 5 } }, { url: 'https://x.test/a@b.com' }],
    });
    assert.equal(JSON.stringify(message), before, 'the original message is not modified');
    assert.equal(scan.redacted!['messageId'], 'm');
    assert.equal((scan.redacted!['parts'] as unknown[])[2], message.parts[2], 'untouched parts are shared, not copied');
  });

  test('scans v0.3 HTTP+JSON messages (content, data.data)', () => {
    const scan = scanMessage({ content: [{ text: 'ssn 123-45-6789' }, { data: { data: { email: 'x@y.org' } } }] }, redactAll);
    assert.deepEqual(scan.counts, { us_ssn: 1, email: 1 });
    assert.deepEqual(scan.redacted, { content: [{ text: 'ssn [redacted:us_ssn]' }, { data: { data: { email: '[redacted:email]' } } }] });
  });

  test('redaction removes every match and is idempotent (property)', () => {
    const value = fc.oneof(fc.constantFrom(...PII_SAMPLES), fc.string({ maxLength: 16 }), fc.stringMatching(/^[0-9 ()+.@a-z-]{0,20}$/));
    const text = fc.array(value, { maxLength: 8 }).map((a) => a.join(fc.sample(fc.constantFrom(' ', ', ', '\n'), 1)[0]!));
    const message = fc.record({ parts: fc.array(fc.oneof(fc.record({ text }), fc.record({ data: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(text, fc.array(text, { maxLength: 3 }))) })), { minLength: 1, maxLength: 4 }) });
    fc.assert(
      fc.property(message, (m) => {
        const first = scanMessage(m, redactAll);
        const redacted = first.redacted ?? m;
        const again = scanMessage(redacted, redactAll);
        assert.equal(again.total, 0, `left after redaction: ${JSON.stringify(again.locations)} in ${JSON.stringify(redacted)}`);
        assert.equal(again.redacted, undefined, 'redacting again changes nothing');
        assert.equal(first.total > 0, first.redacted !== undefined);
      }),
      { numRuns: 500, seed: 17 },
    );
  });

  test('never throws on hostile messages (property)', () => {
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }), (m) => {
        const scan = scanMessage(m, redactAll);
        assert.equal(typeof scan.total, 'number');
        scanMessage({ parts: [{ text: 'x' }, { data: m }] }, redactAll);
      }),
      { numRuns: 500, seed: 18 },
    );
  });

  test('stops at maxDepth and maxChars and says so', () => {
    let deep: unknown = 'a@b.com';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const tooDeep = scanMessage({ parts: [{ data: deep }] }, redactAll, { maxDepth: 32, maxChars: 1000 });
    assert.equal(tooDeep.incomplete, true);
    assert.equal(tooDeep.total, 0);
    const long = scanMessage({ parts: [{ text: 'a@b.com' }, { text: `${'x'.repeat(2000)} c@d.com` }] }, redactAll, { maxDepth: 32, maxChars: 1000 });
    assert.deepEqual({ incomplete: long.incomplete, counts: long.counts }, { incomplete: true, counts: { email: 1 } });
  });

  test('keeps a __proto__ key a key when redacting under it', () => {
    const body = JSON.parse('{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"parts":[{"data":{"__proto__":{"mail":"a@b.com"}}}]}}}');
    const scan = scanMessage(body.params.message, redactAll);
    assert.equal(withMessage(body, scan.redacted!), '{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"parts":[{"data":{"__proto__":{"mail":"[redacted:email]"}}}]}}}');
    assert.equal(({} as Record<string, unknown>)['mail'], undefined, 'no prototype was polluted');
  });

  test('re-serializes the body of either binding with the redacted message', () => {
    const rest = { message: { parts: [{ text: 'call +1 415 555 2671' }] }, configuration: { historyLength: 1 } };
    const scan = scanMessage(rest.message, redactAll);
    assert.equal(withMessage(rest, scan.redacted!), '{"message":{"parts":[{"text":"call [redacted:phone]"}]},"configuration":{"historyLength":1}}');
  });

  test('a block names kinds and places, never the values, as AM_ERR_GATEWAY_PII_BLOCKED', () => {
    const scan = scanMessage({ parts: [{ text: 'card 4111 1111 1111 1111, mail a@b.com' }] }, resolvePiiPolicy([{ action: 'block', kinds: ['card'] }, { action: 'log', kinds: ['email'] }])!);
    assert.equal(scan.action, 'block');
    const error = piiBlockedError(scan);
    assert.equal(error.code, ErrorCodes.GATEWAY_PII_BLOCKED);
    assert.equal(WIRE[error.code].jsonRpc, -32602);
    assert.equal(error.statusCode, 400);
    assert.equal(error.message, 'The message carries personal data this agent does not accept (card: 1, email: 1)');
    assert.deepEqual(error.violations, [{ field: 'message.parts[0].text', description: 'contains personal data (card)' }, { field: 'message.parts[0].text', description: 'contains personal data (email)' }]);
    const everything = JSON.stringify({ message: error.message, details: error.details, violations: error.violations, scan });
    assert.ok(!everything.includes('4111') && !everything.includes('a@b.com'), 'no matched value anywhere');
  });
});

describe('PII policy', () => {
  test('combines policies: per kind, the strictest action', () => {
    const resolved = resolvePiiPolicy([undefined, { action: 'log' }, { action: 'block', kinds: ['card'] }, { action: 'redact', kinds: ['email', 'card'] }])!;
    assert.deepEqual(Object.fromEntries(resolved.actions), { email: 'redact', phone: 'log', card: 'block', us_ssn: 'log', uk_nino: 'log' });
    assert.equal(resolvePiiPolicy([undefined]), undefined);
  });

  test('parses a declared policy, naming the bad field', () => {
    assert.deepEqual(parsePiiPolicy({ action: 'redact', kinds: ['email'] }, 'metadata.pii'), { policy: { action: 'redact', kinds: ['email'] } });
    assert.deepEqual(parsePiiPolicy({ action: 'shred' }, 'metadata.pii'), { problem: 'metadata.pii.action must be one of log, redact, block' });
    assert.deepEqual(parsePiiPolicy({ action: 'log', kinds: ['email', 'dna'] }, 'metadata.pii'), { problem: 'metadata.pii.kinds[1] must be one of email, phone, card, us_ssn, uk_nino' });
    assert.deepEqual(parsePiiPolicy({ action: 'log', extra: 1 }, 'metadata.pii'), { problem: 'metadata.pii has unknown field extra' });
    assert.deepEqual(parsePiiPolicy('block', 'metadata.pii'), { problem: 'metadata.pii must be an object' });
  });

  test('gateway config: defaults and strictness', () => {
    assert.deepEqual(piiConfigSchema.parse({}), { tenants: {}, maxDepth: 32, maxChars: 1_048_576 });
    assert.equal(piiConfigSchema.safeParse({ tenants: { acme: { action: 'nuke' } } }).success, false);
    assert.equal(piiConfigSchema.safeParse({ defaults: { action: 'log' } }).success, false);
  });
});

describe('PII policies of a call', () => {
  test('combine the gateway default, the tenant and the agent; ignore an invalid agent policy, saying why', () => {
    const policies = new PiiPolicies(piiConfigSchema.parse({ default: { action: 'log', kinds: ['email'] }, tenants: { acme: { action: 'redact', kinds: ['phone'] } } }));
    const agent = { action: 'block', kinds: ['card'] };
    assert.deepEqual(Object.fromEntries(policies.forCall('acme', agent).resolved!.actions), { email: 'log', phone: 'redact', card: 'block' });
    assert.deepEqual(Object.fromEntries(policies.forCall('constructor', undefined).resolved!.actions), { email: 'log' });
    const bad = policies.forCall('other', { action: 'shred' });
    assert.equal(bad.problem, 'metadata.pii.action must be one of log, redact, block');
    assert.deepEqual(Object.fromEntries(bad.resolved!.actions), { email: 'log' });
    assert.equal(new PiiPolicies(piiConfigSchema.parse({})).forCall('acme', undefined).resolved, undefined);
  });

  test('a call resolves what an earlier call with the same tenant and agent policies resolved, and no other', () => {
    const policies = new PiiPolicies(piiConfigSchema.parse({ default: { action: 'log', kinds: ['email'] }, tenants: { acme: { action: 'redact', kinds: ['phone'] } } }));
    const agent = { action: 'block', kinds: ['card'] };
    const first = policies.forCall('acme', agent).resolved;
    assert.equal(policies.forCall('acme', agent).resolved, first);
    assert.deepEqual(Object.fromEntries(policies.forCall('other', agent).resolved!.actions), { email: 'log', card: 'block' });
    assert.deepEqual(Object.fromEntries(policies.forCall('acme', undefined).resolved!.actions), { email: 'log', phone: 'redact' });
    assert.deepEqual(Object.fromEntries(policies.forCall('acme', { action: 'block', kinds: ['email'] }).resolved!.actions), { email: 'block', phone: 'redact' });
    assert.deepEqual(Object.fromEntries(policies.forCall('acme', agent).resolved!.actions), { email: 'log', phone: 'redact', card: 'block' });
  });
});

describe('PII pre-check', () => {
  /** What the detectors find in `text`, run without the pre-check. */
  const detected = (text: string, kinds: ReadonlySet<PiiKind>): PiiMatch[] => {
    const out: PiiMatch[] = [];
    for (const detector of DETECTORS) if (detector.kinds.some((k) => kinds.has(k))) detector.scan(text, kinds, out);
    return out;
  };
  // Texts near every detector's edge: digits, separators, '@', letters of NINO prefixes and domains.
  const char = fc.constantFrom(...'0123456789012345678901234567890123456789 -.()+@_aBzAZcom.uk\n\u00e9'.split(''));
  // Pieces of the kinds as written (a card's groups, a phone's, an SSN's, a NINO's, an address's), to assemble near-misses and matches.
  const fragment = fc.constantFrom('4111', '1111', '4242', ' ', ' ', '-', '.', '555', '123', '4567', '(', ')', '+44', '20', '7946', '0958', '078-05-1120', 'AB', 'QQ', '12', '34', '56', 'C', 'a', 'x@', '@', 'mail.', 'example', '.com', '9', '0');
  const kinds = fc.subarray([...PII_KINDS], { minLength: 1 }).map((k) => new Set<PiiKind>(k));
  // A whole sample of each kind between random characters: the random arms alone reach a match about once in a
  // hundred texts, so how many matches a run saw moved around the floor asserted below; this arm keeps it far above.
  const sample = fc.constantFrom('4111 1111 1111 1111', '078-05-1120', 'x@mail.example.com', '+44 20 7946 0958', 'QQ 12 34 56 C');
  const noise = fc.array(char, { maxLength: 6 }).map((cs) => cs.join(''));
  const withinNoise = fc.tuple(noise, sample, noise).map((parts) => parts.join(''));

  test('never rules out a text in which a detector of the policy finds personal data', () => {
    let matched = 0;
    fc.assert(
      fc.property(fc.oneof(fc.array(char, { maxLength: 40 }).map((cs) => cs.join('')), fc.array(fragment, { maxLength: 12 }).map((fs) => fs.join('')), withinNoise), kinds, (text, enabled) => {
        if (detected(text, enabled).length > 0) {
          matched++;
          assert.equal(mayHoldPii(text, enabled), true);
        }
        assert.deepEqual(findPii(text, enabled).length > 0, detected(text, enabled).length > 0);
      }),
      { numRuns: 20_000 },
    );
    // The texts reach the detectors' matches, not only their misses.
    assert.ok(matched > 200, `only ${matched} texts with a match`);
  });

  test('rules out a text with no \'@\' and fewer than six digits, and one whose kinds it cannot hold', () => {
    assert.equal(mayHoldPii('score lead 42', ALL), false);
    assert.equal(mayHoldPii('write to a@b.co', new Set<PiiKind>(['card'])), false);
    assert.equal(mayHoldPii('write to a@b.co', new Set<PiiKind>(['email'])), true);
    assert.equal(mayHoldPii('AB 12 34 56 C', new Set<PiiKind>(['uk_nino'])), true);
    assert.equal(mayHoldPii('12345', new Set<PiiKind>(['phone'])), false);
  });
});
