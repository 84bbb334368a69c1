import { defineAgent } from 'agentmesh';

/** The smallest useful agent: echoes text back, optionally asking a follow-up question. */
export default defineAgent({
  card: { name: 'echo', description: 'Echoes your message back; say "ask me" to be asked a question first.', version: '1.0.0' },
  registry: { department: 'platform', owner: 'platform@example.com', sla: { tier: 'bronze' } },
  skills: {
    echo: {
      description: 'Answers with the text it was sent.',
      tags: ['demo', 'echo'],
      examples: ['hello', 'ask me'],
      handler: async (text: string, ctx) => {
        if (text.trim().toLowerCase() === 'ask me') {
          const answer = await ctx.requestInput('What should I echo?');
          const reply = answer.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
          return `You said: ${reply}`;
        }
        return `You said: ${text}`;
      },
    },
  },
});
