import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { coerceInputValue, collectWorkflowInputs } from '../../../src/cli/commands/workflow/workflow-inputs.js';
import { ErrorCodes } from '../../../src/protocol/errors.js';

describe('coerceInputValue', () => {
  test('reads numbers, booleans and JSON lists and objects as such', () => {
    assert.equal(coerceInputValue('500'), 500);
    assert.equal(coerceInputValue('-2.5'), -2.5);
    assert.equal(coerceInputValue('1e3'), 1000);
    assert.equal(coerceInputValue('true'), true);
    assert.equal(coerceInputValue('false'), false);
    assert.deepEqual(coerceInputValue('["lead-001","lead-002"]'), ['lead-001', 'lead-002']);
    assert.deepEqual(coerceInputValue('{"region":"EMEA"}'), { region: 'EMEA' });
  });

  test('keeps as text what only looks like a value', () => {
    assert.equal(coerceInputValue('spring'), 'spring');
    assert.equal(coerceInputValue('02139'), '02139', 'a leading zero is no JSON number: zip codes stay text');
    assert.equal(coerceInputValue('12345678901234567890'), '12345678901234567890', 'an integer past 2^53 would lose digits');
    assert.equal(coerceInputValue('[not json'), '[not json');
    assert.equal(coerceInputValue('True'), 'True');
    assert.equal(coerceInputValue(''), '');
    assert.equal(coerceInputValue('null'), 'null');
  });
});

describe('collectWorkflowInputs', () => {
  const files: Record<string, string> = { 'leads.json': '["a","b"]', 'inputs.json': '{"campaign":"spring","top":3}', 'bad.json': '{nope' };
  const readText = async (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };

  test('applies --input pairs over --inputs-json, later pairs winning', async () => {
    const inputs = await collectWorkflowInputs({ inputsJson: '{"campaign":"winter","top":1}', input: ['top=5', 'dryRun=true', 'top=7'], readText });
    assert.deepEqual(inputs, { campaign: 'winter', top: 7, dryRun: true });
  });

  test('reads key=@file.json and --inputs-json @file.json from files', async () => {
    assert.deepEqual(await collectWorkflowInputs({ inputsJson: '@inputs.json', input: ['leadIds=@leads.json'], readText }), { campaign: 'spring', top: 3, leadIds: ['a', 'b'] });
  });

  test('keeps the text of an input the workflow declares a string', async () => {
    const inputs = await collectWorkflowInputs({ input: ['zip=12345', 'count=12345'], declared: { zip: { schema: { type: 'string' } }, count: { schema: { type: 'integer' } } }, readText });
    assert.deepEqual(inputs, { zip: '12345', count: 12345 });
  });

  test('keeps a bracketed text as typed when the workflow declares the input a string', async () => {
    assert.deepEqual(await collectWorkflowInputs({ input: ['title=[draft] spring'], declared: { title: { schema: { type: 'string' } } } }), { title: '[draft] spring' });
  });

  test('splits at the first "=" only', async () => {
    assert.deepEqual(await collectWorkflowInputs({ input: ['filter=a=b'] }), { filter: 'a=b' });
  });

  const refusals: Array<[string, Parameters<typeof collectWorkflowInputs>[0], RegExp]> = [
    ['a pair without "="', { input: ['campaign'] }, /--input expects key=value, got "campaign"/],
    ['a pair without key', { input: ['=3'] }, /--input "=3" has no key before "="/],
    ['a missing file', { input: ['leads=@missing.json'] }, /--input leads: cannot read missing.json: no such file/],
    ['a file that is not JSON', { input: ['leads=@bad.json'] }, /--input leads: bad.json is not valid JSON/],
    ['--inputs-json that is not JSON', { inputsJson: '{' }, /--inputs-json is not valid JSON/],
    // `--input leadIds='[lead-001]'`: the workflow would only have said "must be array".
    ['a list whose strings lack their quotes', { input: ['leadIds=[lead-001]'] }, /^--input leadIds is not valid JSON: Unexpected token 'l', "\[lead-001\]" is not valid JSON; strings in JSON take double quotes, and the shell wants it all in single quotes: --input leadIds='\["a","b"\]'/],
    ['an object that is not JSON', { input: ['filter={region:EMEA}'] }, /^--input filter is not valid JSON: .*--input filter='\{"name":"value"\}'/],
    ['--inputs-json that is a list', { inputsJson: '[1]' }, /--inputs-json must be a JSON object .* got a list/],
  ];
  for (const [what, sources, message] of refusals) {
    test(`refuses ${what} as a usage error`, async () => {
      await assert.rejects(collectWorkflowInputs({ ...sources, readText }), (err: { code?: string; message: string }) => {
        assert.equal(err.code, ErrorCodes.CLI_USAGE);
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
