import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EdnSet, Keyword, parseEdnForms, type EdnValue } from './edn-parse.js';

/** EDN text for a value, with the commas, spacing and comments a hand-written history has. */
function print(value: EdnValue, space: string): string {
  if (value === null) return 'nil';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Keyword) return `:${value.name}`;
  if (value instanceof EdnSet) return `#{${value.items.map((v) => print(v, space)).join(space)}}`;
  if (Array.isArray(value)) return `[${value.map((v) => print(v, space)).join(space)}]`;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `:${k} ${print(v, space)}`).join(`,${space}`)}}`;
  return value.name;
}

const keyword = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const { value } = fc.letrec<{ value: EdnValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string({ unit: 'binary-ascii' }),
    keyword.map((name) => new Keyword(name)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => new EdnSet(items)),
    fc.uniqueArray(fc.tuple(keyword, tie('value')), { maxLength: 4, selector: ([k]) => k }).map((entries) => new Map(entries)),
  ),
}));

describe('the EDN reader', () => {
  it('reads back what is printed, whatever the spacing and commas', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 3 }), fc.constantFrom(' ', ', ', '\n ', ' ; a comment\n'), (forms, space) => {
        assert.deepEqual(parseEdnForms(forms.map((f) => print(f, space)).join('\n')), forms);
      }),
    );
  });

  it('reads a Knossos op with its comment, list and escaped string', () => {
    const [ops] = parseEdnForms('; a history\n({:process 4, :type :fail, :f :cas, :value [0 2], :error "say \\"no\\""}\n #_ {:ignored 1})');
    assert.deepEqual(ops, [new Map<string, EdnValue>([['process', 4], ['type', new Keyword('fail')], ['f', new Keyword('cas')], ['value', [0, 2]], ['error', 'say "no"']])]);
  });

  it('refuses what it does not read, with where', () => {
    assert.throws(() => parseEdnForms('[1 2'), /EDN at offset 4: missing \]/);
    assert.throws(() => parseEdnForms('{:a}'), /odd number of forms/);
    assert.throws(() => parseEdnForms('#inst "2020"'), /tagged literals/);
    assert.throws(() => parseEdnForms('"open'), /unterminated string/);
    assert.throws(() => parseEdnForms('99999999999999999999'), /too large/);
    assert.throws(() => parseEdnForms('['.repeat(100)), /nested deeper than 64/);
  });
});
