import { MAX_SIGNATURES, cardSignatureSchema, extensionsSchema, providerSchema } from './agent-card-schema.js';

/**
 * JSON Schema of an A2A v0.3 agent card (the v0.3 JSON schema's
 * `AgentCard`): one `url` with its `preferredTransport`, more endpoints in
 * `additionalInterfaces`, the protocol version at card level, security
 * schemes discriminated by `type`. It is checked before translation so the
 * problems are reported in the field names the author wrote. The fields each
 * scheme `type` requires are checked in `card-checks.ts` (readable there,
 * where `if`/`then` would double every message).
 */

const text = { type: 'string' };
const nonEmpty = { type: 'string', minLength: 1 };
const httpUrl = { type: 'string', format: 'http-url' };
const optionalHttpUrl = { type: 'string', format: 'optional-http-url' };
const flag = { type: 'boolean' };
const strings = { type: 'array', items: text };
const mediaTypes = { type: 'array', minItems: 1, items: nonEmpty, errorMessage: 'must list at least one media type' };
const scopes = { type: 'object', additionalProperties: text };
/** v0.3 security requirement: scheme name → scopes. */
const security = { type: 'array', items: { type: 'object', additionalProperties: strings } };

const flows = {
  type: 'object',
  minProperties: 1,
  errorMessage: 'must declare at least one of authorizationCode, clientCredentials, implicit, password',
  properties: {
    authorizationCode: {
      type: 'object',
      required: ['authorizationUrl', 'tokenUrl', 'scopes'],
      properties: { authorizationUrl: httpUrl, tokenUrl: httpUrl, refreshUrl: optionalHttpUrl, scopes },
    },
    clientCredentials: { type: 'object', required: ['tokenUrl', 'scopes'], properties: { tokenUrl: httpUrl, refreshUrl: optionalHttpUrl, scopes } },
    implicit: { type: 'object', required: ['authorizationUrl', 'scopes'], properties: { authorizationUrl: httpUrl, refreshUrl: optionalHttpUrl, scopes } },
    password: { type: 'object', required: ['tokenUrl', 'scopes'], properties: { tokenUrl: httpUrl, refreshUrl: optionalHttpUrl, scopes } },
  },
};

const securityScheme = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: ['apiKey', 'http', 'oauth2', 'openIdConnect', 'mutualTLS'] },
    description: text,
    in: { enum: ['query', 'header', 'cookie'] },
    name: nonEmpty,
    scheme: nonEmpty,
    bearerFormat: text,
    flows,
    oauth2MetadataUrl: optionalHttpUrl,
    openIdConnectUrl: httpUrl,
  },
};

const skill = {
  type: 'object',
  required: ['id', 'name', 'description', 'tags'],
  properties: {
    id: nonEmpty,
    name: nonEmpty,
    description: nonEmpty,
    tags: { type: 'array', items: nonEmpty },
    examples: strings,
    inputModes: { type: 'array', items: nonEmpty },
    outputModes: { type: 'array', items: nonEmpty },
    security,
  },
};

export const legacyAgentCardSchema = {
  type: 'object',
  required: ['name', 'description', 'url', 'version', 'capabilities', 'defaultInputModes', 'defaultOutputModes', 'skills'],
  properties: {
    name: nonEmpty,
    description: nonEmpty,
    url: httpUrl,
    preferredTransport: nonEmpty,
    additionalInterfaces: {
      type: 'array',
      items: { type: 'object', required: ['url', 'transport'], properties: { url: httpUrl, transport: nonEmpty } },
    },
    protocolVersion: { type: 'string', pattern: '^0\\.\\d+(\\.\\d+)?$', errorMessage: 'must be a v0 protocol version such as 0.3.0' },
    provider: providerSchema,
    version: nonEmpty,
    documentationUrl: optionalHttpUrl,
    iconUrl: optionalHttpUrl,
    capabilities: {
      type: 'object',
      properties: { streaming: flag, pushNotifications: flag, stateTransitionHistory: flag, extensions: extensionsSchema },
    },
    securitySchemes: { type: 'object', additionalProperties: securityScheme },
    security,
    defaultInputModes: mediaTypes,
    defaultOutputModes: mediaTypes,
    skills: { type: 'array', minItems: 1, items: skill, errorMessage: 'must list at least one skill' },
    supportsAuthenticatedExtendedCard: flag,
    signatures: { type: 'array', maxItems: MAX_SIGNATURES, items: cardSignatureSchema },
  },
} as const;
