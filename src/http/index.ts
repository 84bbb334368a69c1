/**
 * http: the server bootstrap every agentmesh role starts from (request ids,
 * request context, security headers, limits, error rendering, probes,
 * metrics, graceful drain) and the SSRF guard every outbound call goes through.
 */
export { buildHttpServer } from './build-http-server.js';
export type { HttpServerOptions, ReadinessCheck, UnroutedFallback } from './http-server-options.js';
export { MAX_PATH_PARAM_LENGTH } from './http-server-options.js';
export { renderHttpError } from './render-http-error.js';
export type { DataPlaneRoute } from './data-plane.js';
export type { ExchangeRequest, ExchangeReply } from './exchange.js';
export { bearerChallenge, installBearerChallenge } from './bearer-challenge.js';
export type { BearerChallengeOptions } from './bearer-challenge.js';
export type { HttpErrorBody, RenderedHttpError, ErrorInfoDetail, BadRequestDetail } from './render-http-error.js';
export { installGracefulShutdown, drain, onDrain, isDraining, closeHttpServer } from './graceful-shutdown.js';
export type { DrainOptions, GracefulShutdownOptions } from './graceful-shutdown.js';
export type { AgentmeshServerState, DrainHook, DrainOutcome } from './server-state.js';
export type { HealthBody, ReadyBody, ReadyAnswer } from './probes.js';
export { createSsrfGuard } from './ssrf-guard.js';
export type { SsrfGuard, SsrfGuardOptions, SsrfCheckResult, SsrfFetchInit } from './ssrf-guard.js';
export { decodeContentEncoding, decodeContentSync, DECODED_CONTENT_CODINGS } from './content-decoding.js';
export { openSse, openSseWithFirst, parseLastEventId, abortOnClientGone, FIRST_EVENT_WAIT_MS } from './sse.js';
export type { SseOptions, SseStream } from './sse.js';
export { roleServerFields, roleMetricsFields, roleProbeFields, metricsPortOf, parseRoleConfig, databaseOptionsOf, localUrlOf } from './role-config.js';
export { createMetricsListener } from './metrics-listener.js';
export { observeDatabase } from './database-metrics.js';
export type { MetricsListener, MetricsListenerOptions } from './metrics-listener.js';
export { createProbeListener, probeListenerOf } from './probe-listener.js';
export type { ProbeListener, ProbeListenerOptions } from './probe-listener.js';
export { DisposerStack, openWithStack } from './disposer-stack.js';
export { roleTlsFields, serverTlsSchema, clientTlsSchema, CLIENT_AUTH_MODES } from './tls-settings.js';
export type { ServerTlsSettings, ServerTlsSettingsInput, ClientTlsSettings, ClientAuthMode } from './tls-settings.js';
export { CertificateReloader, readServerTls, summarizeCertificate } from './server-tls.js';
export type { CertificateSummary, CertificateReloaderEvents, ServerSecureOptions } from './server-tls.js';
export { readClientTls, openClientTls, ClientTlsSource } from './client-tls.js';
export type { ClientTlsOptions, ClientTlsSourceEvents } from './client-tls.js';
export { InProcessServers } from './in-process-servers.js';
export { freePort } from './free-port.js';
export { peerCertificateThumbprint, certificateThumbprint } from './peer-certificate.js';
