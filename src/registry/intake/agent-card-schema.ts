import { capabilitiesSchema, cardSchema, defaultModeFields, flag, httpUrl, namedFields, nonEmpty, optionalHttpUrl, publisherFields, scopes, signaturesSchema, skillsSchema, strings, text } from './card-schema-parts.js';

/**
 * JSON Schema of an A2A v1.0 agent card in its JSON form (a2a.proto
 * `AgentCard`, specification §4.4, field names in lowerCamelCase as ProtoJSON
 * writes them). Fields the proto marks REQUIRED are required here, with
 * three deliberate departures:
 *
 * - `skills[].tags` may be absent: ProtoJSON omits an empty repeated field,
 *   so an absent list and an empty one are the same card (our own runtime
 *   serves skills without tags this way).
 * - `skills`, `supportedInterfaces` and the default media types must not be
 *   empty: a registry entry that offers no skill, no endpoint or no media
 *   type can be neither found nor called.
 * - URLs must be absolute http(s) URLs (`optional-http-url` also admits the
 *   `""` ProtoJSON uses for an unset optional string).
 *
 * Unknown fields are allowed: ProtoJSON readers ignore them, and the card
 * signature does not cover them (A2A §8.4.1), so the registry drops them.
 * What JSON Schema cannot say (unique skill ids, security requirements that
 * name declared schemes) is checked in `card-checks.ts`.
 */

const securityRequirement = {
  type: 'object',
  properties: {
    schemes: {
      type: 'object',
      additionalProperties: { type: 'object', properties: { list: strings } },
    },
  },
};
const securityRequirements = { type: 'array', items: securityRequirement };

const oauthFlows = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  errorMessage: 'must declare exactly one of authorizationCode, clientCredentials, deviceCode, implicit, password',
  additionalProperties: false,
  properties: {
    authorizationCode: {
      type: 'object',
      required: ['authorizationUrl', 'tokenUrl', 'scopes'],
      properties: { authorizationUrl: httpUrl, tokenUrl: httpUrl, refreshUrl: optionalHttpUrl, scopes, pkceRequired: flag },
    },
    clientCredentials: {
      type: 'object',
      required: ['tokenUrl', 'scopes'],
      properties: { tokenUrl: httpUrl, refreshUrl: optionalHttpUrl, scopes },
    },
    deviceCode: {
      type: 'object',
      required: ['deviceAuthorizationUrl', 'tokenUrl', 'scopes'],
      properties: { deviceAuthorizationUrl: httpUrl, tokenUrl: httpUrl, refreshUrl: optionalHttpUrl, scopes },
    },
    implicit: {
      type: 'object',
      properties: { authorizationUrl: optionalHttpUrl, refreshUrl: optionalHttpUrl, scopes },
    },
    password: {
      type: 'object',
      properties: { tokenUrl: optionalHttpUrl, refreshUrl: optionalHttpUrl, scopes },
    },
  },
};

const securityScheme = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  errorMessage: 'must declare exactly one of apiKeySecurityScheme, httpAuthSecurityScheme, oauth2SecurityScheme, openIdConnectSecurityScheme, mtlsSecurityScheme',
  additionalProperties: false,
  properties: {
    apiKeySecurityScheme: {
      type: 'object',
      required: ['location', 'name'],
      properties: { description: text, location: { enum: ['query', 'header', 'cookie'] }, name: nonEmpty },
    },
    httpAuthSecurityScheme: {
      type: 'object',
      required: ['scheme'],
      properties: { description: text, scheme: nonEmpty, bearerFormat: text },
    },
    oauth2SecurityScheme: {
      type: 'object',
      required: ['flows'],
      properties: { description: text, flows: oauthFlows, oauth2MetadataUrl: optionalHttpUrl },
    },
    openIdConnectSecurityScheme: {
      type: 'object',
      required: ['openIdConnectUrl'],
      properties: { description: text, openIdConnectUrl: httpUrl },
    },
    mtlsSecurityScheme: { type: 'object', properties: { description: text } },
  },
};

const agentInterface = {
  type: 'object',
  required: ['url', 'protocolBinding', 'protocolVersion'],
  properties: {
    url: { type: 'string' },
    // Open string (A2A §5.2): JSONRPC, GRPC, HTTP+JSON, or a custom binding.
    protocolBinding: nonEmpty,
    protocolVersion: { type: 'string', pattern: '^\\d+\\.\\d+(\\.\\d+)?$', errorMessage: 'must be a protocol version such as 1.0 or 0.3' },
    tenant: text,
  },
  // A GRPC interface may be a gRPC target (`host:port`), the form gRPC clients dial; every other binding needs an http(s) URL.
  if: { properties: { protocolBinding: { const: 'GRPC' } } },
  then: { properties: { url: { type: 'string', format: 'grpc-interface-url' } } },
  else: { properties: { url: httpUrl } },
};

export const agentCardSchema = cardSchema('supportedInterfaces', {
  ...namedFields,
  supportedInterfaces: { type: 'array', minItems: 1, items: agentInterface, errorMessage: 'must list at least one interface' },
  ...publisherFields,
  capabilities: capabilitiesSchema({ extendedAgentCard: flag }),
  securitySchemes: { type: 'object', additionalProperties: securityScheme },
  securityRequirements,
  ...defaultModeFields,
  skills: skillsSchema(['id', 'name', 'description'], { securityRequirements }),
  signatures: signaturesSchema,
  iconUrl: optionalHttpUrl,
});
