import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@a2a-js/sdk';
import { defineAgent, type MessageReply, type SkillInputOf, type SkillOutputOf } from 'agentmesh';

/*
 * A skill's handler is typed by its JSON Schemas, with no
 * annotation and no cast. These checks run in the type-checker (`npm run
 * typecheck` covers test/): each `@ts-expect-error` line must be an error,
 * or the compile fails with "unused directive"; each `Equal` must hold.
 */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const holds = <T extends true>(): T => true as T;

const leadsSchema = { type: 'object', required: ['leadIds'], additionalProperties: false, properties: { leadIds: { type: 'array', items: { type: 'string' } }, top: { type: 'integer' } } } as const;

describe('typed skills', () => {
  test('the input and output types are those of the schemas', () => {
    holds<Equal<SkillInputOf<typeof leadsSchema>, { leadIds: string[]; top?: number }>>();
    holds<Equal<SkillInputOf<undefined>, unknown>>();
    holds<Equal<SkillOutputOf<{ readonly type: 'string' }>, string>>();
    // Only known as a record at compile time (a schema built by code): no static type.
    holds<Equal<SkillInputOf<Record<string, unknown>>, unknown>>();
  });

  test('a handler is typed by its inline schemas; a wrong field, a wrong result or a contradicting annotation does not compile', () => {
    const agent = defineAgent({
      card: { name: 'typed', description: 'Typed skills' },
      skills: {
        score: {
          description: 'Scores leads',
          input: { type: 'object', required: ['leadIds'], properties: { leadIds: { type: 'array', items: { type: 'string' } }, top: { type: 'integer', minimum: 1 } } },
          output: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } },
          handler: (input, ctx) => {
            ctx.progress(`scoring ${input.leadIds.length}`);
            const top: number | undefined = input.top;
            // @ts-expect-error: leadIdz is not declared: an open object (no additionalProperties: false) types it unknown, not string[]
            const misspelt: string[] = input.leadIdz;
            return { count: top ?? input.leadIds.length + misspelt.length };
          },
        },
        closed: {
          description: 'A closed object schema',
          input: leadsSchema,
          handler: (input) => {
            // @ts-expect-error: additionalProperties: false, so leadIdz does not exist at all
            void input.leadIdz;
            return input.leadIds.length;
          },
        },
        wrongResult: {
          description: 'Returns what its output schema refuses',
          output: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } },
          // @ts-expect-error: count must be a number
          handler: () => ({ count: 'many' }),
        },
        wrongAnnotation: {
          description: 'Annotates what its schema contradicts',
          input: { type: 'object', required: ['a'], properties: { a: { type: 'number' } } },
          // @ts-expect-error: the schema says { a: number }
          handler: (input: { b: string }) => input.b,
        },
        text: {
          description: 'No schema: the author says what it takes',
          handler: (text: string) => text.toUpperCase(),
        },
        either: {
          description: 'Text or data, as the example agents take',
          input: { oneOf: [{ type: 'string' }, leadsSchema] },
          handler: (input) => (typeof input === 'string' ? input : input.leadIds.join(',')),
        },
      },
    });
    assert.deepEqual([...agent.skills.keys()], ['score', 'closed', 'wrongResult', 'wrongAnnotation', 'text', 'either']);
  });

  test('a handler may return ctx.reply() beside the output its schema types; the reply carries an SDK Message', () => {
    const agent = defineAgent({
      card: { name: 'replying', description: 'Replies' },
      skills: {
        answer: {
          description: 'Replies to short questions, else counts',
          messageReplies: true,
          output: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } },
          handler: (text: string, ctx) => {
            const reply = ctx.reply(`echo ${text}`);
            holds<Equal<typeof reply, MessageReply>>();
            holds<Equal<typeof reply.message, Message>>();
            return text.length < 5 ? reply : { count: text.length };
          },
        },
        stillChecked: {
          description: 'A reply does not excuse a wrong output',
          output: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } },
          // @ts-expect-error: count must be a number, reply or not
          handler: (text: string, ctx) => (text === '' ? ctx.reply('empty') : { count: 'many' }),
        },
      },
    });
    assert.equal(agent.skills.get('answer')!.definition.messageReplies, true);
  });

  test('the schemas still validate at run time as before', async () => {
    const agent = defineAgent({
      card: { name: 'validating', description: 'Validates' },
      skills: { one: { description: 'd', input: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } }, handler: ({ n }) => n + 1 } },
    });
    const skill = agent.skills.get('one')!;
    assert.equal(skill.validateInput!({ n: 1 }), true);
    assert.equal(skill.validateInput!({ n: 'x' }), false);
  });

  test('an agent defined again with equal schemas in new objects reuses their validators; a schema that differs gets its own', () => {
    const define = (maximum: number) =>
      defineAgent({
        card: { name: 'redefined', description: 'Defined more than once, as a role restarted in the process defines it' },
        skills: { one: { description: 'd', input: { type: 'object', required: ['n'], properties: { n: { type: 'integer', maximum } } }, output: { type: 'integer' }, handler: ({ n }) => n + 1 } },
      });
    const [first, again, other] = [define(10), define(10), define(100)].map((agent) => agent.skills.get('one')!);
    assert.equal(again!.validateInput, first!.validateInput);
    assert.equal(again!.validateOutput, first!.validateOutput);
    assert.notEqual(other!.validateInput, first!.validateInput);
    assert.equal(first!.validateInput!({ n: 50 }), false);
    assert.equal(other!.validateInput!({ n: 50 }), true);
  });
});
