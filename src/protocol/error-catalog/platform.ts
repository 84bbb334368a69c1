/** What every role shares: outbound calls, storage, audit, metrics, tenancy, start-up configuration. */
import { ErrorCodes } from '../errors.js';
import { declare } from './declare.js';

export const platformErrors = {
  // outbound calls
  outboundRefused: declare(ErrorCodes.SSRF_BLOCKED, 'Outbound request to {target} refused: {reason}', { details: ['target'] }),
  outboundTooLarge: declare(ErrorCodes.HTTP_UPSTREAM_TOO_LARGE, 'Response from {target} is larger than the {maxBytes}-byte limit', { details: ['target', 'maxBytes'], expose: true }),
  outboundTimedOut: declare(ErrorCodes.HTTP_TIMEOUT, 'Request to {target} timed out after {timeoutMs} ms', { details: ['target', 'timeoutMs'], expose: true, retryable: true }),
  tooManyRedirects: declare(ErrorCodes.HTTP_UPSTREAM_FAILED, 'Request to {target} was redirected more than {maxRedirects} times', { details: ['target'], expose: true }),
  outboundFailed: declare(ErrorCodes.HTTP_UPSTREAM_FAILED, 'Request to {target} failed: {reason}', { details: ['target'], expose: true, retryable: true }),

  // options, checked where they enter
  roleConfigInvalid: declare(ErrorCodes.CONFIG_INVALID, '{setting} {problem}', { details: ['setting'] }),
  optionNotPositiveInteger: declare(ErrorCodes.CONFIG_INVALID, '"{option}" option must be a positive integer, got {given}'),
  optionNotNonNegativeInteger: declare(ErrorCodes.CONFIG_INVALID, '"{option}" option must be a non-negative integer, got {given}'),
  optionNotHttpUrl: declare(ErrorCodes.CONFIG_INVALID, '"{option}" option must be an absolute http(s) URL, got {given}'),
  optionNotHttpScheme: declare(ErrorCodes.CONFIG_INVALID, '"{option}" option must use http or https, got {protocol}'),
  metricsPrefixInvalid: declare(ErrorCodes.CONFIG_INVALID, '"prefix" option must be a valid Prometheus name prefix, got {given}'),

  // metrics
  metricShapeDiffers: declare(ErrorCodes.INTERNAL, 'metric {name} is already registered as a {kind} with labels [{labels}]'),
  metricNameInvalid: declare(ErrorCodes.INTERNAL, 'metric name {quotedName} is not a valid Prometheus name'),

  // storage
  sealedValueUnknownFormat: declare(ErrorCodes.CONFIG_INVALID, 'sealed value of {context} has an unknown format'),
  sealedValueSealedElsewhere: declare(ErrorCodes.CONFIG_INVALID, 'sealed value of {context} cannot be opened: the secret differs from the one that sealed it, or the value was modified'),
  secretFileTooShort: declare(ErrorCodes.CONFIG_INVALID, 'secret file {file} holds fewer than 32 characters'),
  migrationFailed: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'Database migration {migration} failed: {reason}{hint}'),
  postgresConnectionFailed: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'PostgreSQL connection failed: {reason}', { retryable: true }),
  redisConnectionFailed: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'Redis connection failed: {reason}', { retryable: true }),
  postgresTimedOut: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'PostgreSQL did not answer within {timeoutMs} ms; the connection was dropped', { retryable: true }),
  postgresBusy: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'PostgreSQL could not run the statement now ({condition}, SQLSTATE {sqlState}): {reason}', { retryable: true }),

  // audit
  auditOptionNotInteger: declare(ErrorCodes.AUDIT_INVALID_ARGUMENT, '"{option}" option must be {range}, got {given}'),
  auditOptionNotTime: declare(ErrorCodes.AUDIT_INVALID_ARGUMENT, '"{option}" option must be an ISO 8601 date or date-time, got {given}'),
  auditAnchorHashInvalid: declare(ErrorCodes.AUDIT_INVALID_ARGUMENT, '"anchor.hash" option must be 64 lowercase hex digits, got {given}'),
  auditDatabaseMissing: declare(ErrorCodes.AUDIT_INVALID_ARGUMENT, '"database" option is required'),
  auditAppendAfterClose: declare(ErrorCodes.INTERNAL, 'audit entry appended after the audit log was closed'),
  auditQueueFull: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'the audit log has {queued} entries waiting for the database (maxQueue): refusing more rather than losing them', { retryable: true }),
  auditClosedUnwritten: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'audit log closed with {queued} entries not written: {reason}'),
  auditBatchNotCommitted: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'audit batch of {count} entries failed to commit: {reason}', { retryable: true }),
  auditCircularValue: declare(ErrorCodes.AUDIT_INVALID_ARGUMENT, 'cannot hash a value with a circular reference'),
  auditBigInt: declare(ErrorCodes.AUDIT_INVALID_ARGUMENT, 'cannot hash a BigInt: it has no JSON form'),

  // tenancy
  journalUnbalanced: declare(ErrorCodes.INTERNAL, 'unbalanced journal entry ({kind}): {postings}'),
} as const;
