import { capabilitiesSchema, cardSchema, defaultModeFields, flag, httpUrl, namedFields, nonEmpty, optionalHttpUrl, publisherFields, scopes, signaturesSchema, skillsSchema, strings, text } from './card-schema-parts.js';

/**
 * JSON Schema of an A2A v0.3 agent card (the v0.3 JSON schema's
 * `AgentCard`): one `url` with its `preferredTransport`, more endpoints in
 * `additionalInterfaces`, the protocol version at card level, security
 * schemes discriminated by `type`. It is checked before translation so the
 * problems are reported in the field names the author wrote. The fields each
 * scheme `type` requires are checked in `card-checks.ts` (readable there,
 * where `if`/`then` would double every message).
 */

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

export const legacyAgentCardSchema = cardSchema('url', {
  ...namedFields,
  url: httpUrl,
  preferredTransport: nonEmpty,
  additionalInterfaces: {
    type: 'array',
    items: {
      type: 'object',
      required: ['url', 'transport'],
      properties: { url: { type: 'string' }, transport: nonEmpty },
      // As in v1.0: a GRPC interface may be a gRPC target (`host:port`), the form gRPC clients dial.
      if: { properties: { transport: { const: 'GRPC' } } },
      then: { properties: { url: { type: 'string', format: 'grpc-interface-url' } } },
      else: { properties: { url: httpUrl } },
    },
  },
  protocolVersion: { type: 'string', pattern: '^0\\.\\d+(\\.\\d+)?$', errorMessage: 'must be a v0 protocol version such as 0.3.0' },
  ...publisherFields,
  iconUrl: optionalHttpUrl,
  capabilities: capabilitiesSchema({ stateTransitionHistory: flag }),
  securitySchemes: { type: 'object', additionalProperties: securityScheme },
  security,
  ...defaultModeFields,
  skills: skillsSchema(['id', 'name', 'description', 'tags'], { security }),
  supportsAuthenticatedExtendedCard: flag,
  signatures: signaturesSchema,
});
