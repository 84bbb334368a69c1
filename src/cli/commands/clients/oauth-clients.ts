import type { ClientPage, ClientView, IssuedClientView } from '../../../contracts/management/index.js';
import { SHOWN_ONCE, formatClient, formatClientTable } from './clients-render.js';
import type { CredentialKind } from './credential-commands.js';

/** OAuth clients, as the `clients` commands name, fetch and print them. */
export const OAUTH_CLIENTS: CredentialKind<{ view: ClientView; issued: IssuedClientView; page: ClientPage }> = {
  plural: 'clients',
  singular: 'client',
  idArgument: ['<clientId>', 'the client (amc_…)'],
  create: {
    name: 'what the client is (shown in listings and logs)',
    tenant: 'the tenant every call of this client is scoped to',
    scope: 'a scope the client may ask for (repeat, or separate with spaces/commas)',
  },
  list: {
    description: 'list OAuth clients: id, name, tenant, auth method, status, scopes',
    examples: '\nExamples:\n  $ agentmesh clients list --tenant acme\n  $ agentmesh clients list --status revoked --json\n',
    call: (gateway, query) => gateway.listClients(query),
    format: (page) => formatClientTable(page.clients),
  },
  rotate: {
    description: "replace a client's secret; the old secret keeps working for the grace period",
    grace: 'how long the old secret keeps working (default: the gateway setting, 1 hour; 0 ends it now)',
    examples: '\nExamples:\n  $ agentmesh clients rotate amc_0123456789abcdefghij\n  $ agentmesh clients rotate amc_0123456789abcdefghij --grace 0\n\nTokens already issued stay valid until they expire; revoke the client to end them.\n',
    call: (gateway, id, graceSeconds) => gateway.rotateClientSecret(id, graceSeconds),
    report: (client) => ({ stdout: `rotated the secret of ${client.client_id}\n${formatClient(client)}`, stderr: `the new secret: ${SHOWN_ONCE}` }),
  },
  revoke: {
    description: 'revoke a client: no new tokens, and its tokens stop working',
    examples: '\nExamples:\n  $ agentmesh clients revoke amc_0123456789abcdefghij\n\nRevocation is final: register a new client to restore access.\n',
    call: (gateway, id) => gateway.revokeClient(id),
    report: (client) => `revoked ${client.client_id} (${client.name}, tenant ${client.tenant}); its tokens no longer work\n`,
  },
};
