/**
 * Who publishes the example agents, and which version of their cards: the
 * same for every one of them, so a card spreads it (`...EXAMPLE_PUBLISHER`)
 * beside its own name and description.
 */
export const EXAMPLE_PUBLISHER = {
  version: '1.0.0',
  provider: { organization: 'agentmesh examples', url: 'https://github.com/agentmesh' },
} as const;
