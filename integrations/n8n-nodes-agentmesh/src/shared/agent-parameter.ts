import type { INodeProperties } from 'n8n-workflow';

/**
 * The parameter naming the agent, first on both nodes: one of the agents the
 * credential may see (the node's `getAgents` lists them, from the registry
 * through the gateway), or a name given by an expression. `use` says, in a
 * sentence, what the node does with the agent.
 */
export function agentParameter(use: string): INodeProperties {
  return {
    displayName: 'Agent Name or ID',
    name: 'agent',
    type: 'options',
    typeOptions: { loadOptionsMethod: 'getAgents' },
    default: '',
    required: true,
    description: `${use} Choose from the list, or specify a name using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.`,
  };
}
