import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * How n8n reaches the agentmesh gateway: its URL and one of the gateway's
 * credentials, an API key (`X-API-Key`) or an OAuth client of the client
 * credentials grant (the nodes fetch and renew its token themselves).
 */
export class AgentmeshApi implements ICredentialType {
  name = 'agentmeshApi';

  displayName = 'agentmesh Gateway';

  icon = 'file:../nodes/A2aAgent/agentmesh.svg' as const;

  properties: INodeProperties[] = [
    {
      displayName: 'Gateway URL',
      name: 'gatewayUrl',
      type: 'string',
      default: 'http://localhost:4200',
      placeholder: 'https://mesh.example.com',
      description: 'Base URL of the agentmesh gateway',
      required: true,
    },
    {
      displayName: 'Authentication',
      name: 'authentication',
      type: 'options',
      options: [
        { name: 'API Key', value: 'apiKey', description: 'A key made with `agentmesh keys create` (POST /v1/api-keys)' },
        { name: 'OAuth2 Client Credentials', value: 'clientCredentials', description: 'A client made with `agentmesh clients create` (POST /v1/clients)' },
      ],
      default: 'apiKey',
    },
    {
      displayName: 'API Key',
      name: 'apiKey',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      placeholder: 'amk_…',
      displayOptions: { show: { authentication: ['apiKey'] } },
    },
    {
      displayName: 'Client ID',
      name: 'clientId',
      type: 'string',
      default: '',
      displayOptions: { show: { authentication: ['clientCredentials'] } },
    },
    {
      displayName: 'Client Secret',
      name: 'clientSecret',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      displayOptions: { show: { authentication: ['clientCredentials'] } },
    },
    {
      displayName: 'Scope',
      name: 'scope',
      type: 'string',
      default: '',
      placeholder: 'a2a:message:send a2a:tasks:read console:read',
      description: 'Scopes to ask the token for; empty asks for every scope the client holds',
      displayOptions: { show: { authentication: ['clientCredentials'] } },
    },
  ];
}
