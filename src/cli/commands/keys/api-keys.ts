import type { ApiKeyPage, ApiKeyView, IssuedApiKeyView } from '../../../contracts/management/index.js';
import { SHOWN_ONCE, formatApiKey, formatApiKeyTable } from '../clients/clients-render.js';
import type { CredentialKind } from '../clients/credential-commands.js';

/** API keys, as the `keys` commands name, fetch and print them. */
export const API_KEYS: CredentialKind<{ view: ApiKeyView; issued: IssuedApiKeyView; page: ApiKeyPage }> = {
  plural: 'keys',
  singular: 'key',
  idArgument: ['<id>', 'the key id (amk_…)'],
  create: {
    name: 'what the key is for',
    tenant: 'the tenant every call with this key is scoped to',
    scope: 'a scope of the key (repeat, or separate with spaces/commas)',
  },
  list: {
    description: 'list API keys: id, name, tenant, status, expiry, scopes',
    examples: '\nExamples:\n  $ agentmesh keys list --tenant acme\n',
    call: (gateway, query) => gateway.listApiKeys(query),
    format: (page) => formatApiKeyTable(page.apiKeys),
  },
  rotate: {
    description: 'give an API key a new secret (same id); the old key keeps working for the grace period',
    grace: 'how long the old key keeps working (default: the gateway setting, 1 hour; 0 ends it now)',
    examples: '\nExamples:\n  $ agentmesh keys rotate amk_0123456789abcdefghij --grace 600\n',
    call: (gateway, id, graceSeconds) => gateway.rotateApiKey(id, graceSeconds),
    report: (key) => ({ stdout: `API key rotated\n${formatApiKey(key)}`, stderr: `the new key: ${SHOWN_ONCE}` }),
  },
  revoke: {
    description: 'revoke an API key; calls with it are refused',
    examples: '\nExamples:\n  $ agentmesh keys revoke amk_0123456789abcdefghij\n',
    call: (gateway, id) => gateway.revokeApiKey(id),
    report: (key) => `revoked ${key.id} (${key.name}, tenant ${key.tenant})\n`,
  },
};
