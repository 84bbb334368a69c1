import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentCard } from '@a2a-js/sdk';
import { cardToManifest, loadAcpSpecValidator, manifestToCard } from '../../../src/acp/index.js';

describe('acp manifest → card', () => {
  test('takes skills from capabilities, modes from content types, and the ACP base URL as the one interface', () => {
    const card = manifestToCard(
      {
        name: 'triage',
        description: 'Sorts support tickets',
        input_content_types: ['text/plain'],
        output_content_types: ['application/json'],
        metadata: { capabilities: [{ name: 'Route ticket', description: 'Picks a queue' }, { name: 'Route ticket', description: 'The same name twice' }], tags: ['support'] },
      },
      { url: 'https://acp.example.com' },
    );
    assert.deepEqual(card, {
      name: 'triage',
      description: 'Sorts support tickets',
      version: '0.0.0',
      supportedInterfaces: [{ url: 'https://acp.example.com', protocolBinding: 'ACP', protocolVersion: '0.2.0' }],
      capabilities: { streaming: true },
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['application/json'],
      skills: [
        { id: 'route-ticket', name: 'Route ticket', description: 'Picks a queue', tags: ['support'] },
        { id: 'route-ticket-2', name: 'Route ticket', description: 'The same name twice', tags: ['support'] },
      ],
    });
  });

  test('a manifest without capabilities is one skill named after the agent', () => {
    const card = manifestToCard({ name: 'echo', description: 'Echoes', input_content_types: ['*/*'], output_content_types: ['*/*'] }, { url: 'http://h/acp' });
    assert.deepEqual(card['skills'], [{ id: 'echo', name: 'echo', description: 'Echoes', tags: [] }]);
  });

  test('a manifest made from an agentmesh card gives back its skill ids and version', async () => {
    const original = {
      name: 'Lead Scorer',
      description: 'Scores leads',
      version: '2.1.0',
      supportedInterfaces: [],
      capabilities: {},
      defaultInputModes: ['application/json'],
      defaultOutputModes: ['application/json'],
      skills: [{ id: 'score', name: 'Score leads', description: 'Scores', tags: ['sales'], examples: [], inputModes: [], outputModes: [], securityRequirements: [] }],
      securitySchemes: {},
      securityRequirements: [],
      signatures: [],
    } as unknown as AgentCard;
    const manifest = cardToManifest(original, 'lead-scorer');
    assert.deepEqual((await loadAcpSpecValidator()).check('AgentManifest', manifest), []);
    const card = manifestToCard(manifest, { url: 'http://h/acp' });
    assert.equal(card['version'], '2.1.0');
    assert.deepEqual((card['skills'] as Array<{ id: string }>).map((s) => s.id), ['score']);
  });
});
