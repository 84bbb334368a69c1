import { defineAgent } from 'agentmesh';

/** The greeting for each language the skill speaks. */
const GREETINGS = { en: 'Hello', fr: 'Bonjour', es: 'Hola' } as const;

/**
 * my-agent: one skill, `greet`. Its input is a JSON Schema; the handler's
 * `input` type is inferred from it (`string | { name: string; language?: 'en' | 'fr' | 'es' }`),
 * so there is no type to write twice. The runtime checks every message
 * against the schema before the handler runs and refuses the rest.
 *
 * `agentmesh agent serve ./dist/src/agent.js` serves the default export.
 */
export default defineAgent({
  card: {
    name: 'my-agent',
    description: 'Greets people by name, in English, French or Spanish.',
    version: '0.1.0',
  },
  skills: {
    greet: {
      description: 'Greets someone: send a name as text, or data { name, language? }.',
      examples: ['Ada', '{"name":"Ada","language":"fr"}'],
      // Text, or a data part: if/then/else reports the object's own error where oneOf would say "must be string".
      input: {
        if: { type: 'string' },
        then: { type: 'string', minLength: 1, maxLength: 200 },
        else: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            language: { enum: ['en', 'fr', 'es'] },
          },
        },
      },
      output: {
        type: 'object',
        required: ['greeting'],
        additionalProperties: false,
        properties: { greeting: { type: 'string' } },
      },
      // Same input, same answer: after a crash or a drain the runtime may run it again.
      idempotent: true,
      handler: (input, ctx) => {
        const { name, language = 'en' } = typeof input === 'string' ? { name: input.trim() } : input;
        ctx.usage({ credits: 0.1, units: { greetings: 1 } });
        return { greeting: `${GREETINGS[language]}, ${name}!` };
      },
    },
  },
});
