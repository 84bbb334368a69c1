/**
 * http: the server bootstrap every agentmesh role starts from (request ids,
 * request context, security headers, limits, error rendering, probes,
 * metrics, graceful drain), and the outbound side: the connection pools of
 * calls to other services and the SSRF guard of calls to URLs users give.
 */
export { buildHttpServer } from './server/build-http-server.js';
export { listenUnannounced } from './server/listen-unannounced.js';
export { loadLlhttp, checkLlhttp } from './node-http-internals.js';
export type { Llhttp, LlhttpParser, ParseError } from './node-http-internals.js';
export type { HttpServerOptions, UnroutedFallback } from './server/http-server-options.js';
export { MAX_PATH_PARAM_LENGTH } from './server/http-server-options.js';
export { renderHttpError } from './errors/render-http-error.js';
export type { DataPlaneRoute, DataPlaneServer } from './server/data-plane.js';
export type { ExchangeRequest, ExchangeReply, ExchangeIncoming } from './server/exchange.js';
export { bearerChallenge, installBearerChallenge } from './errors/bearer-challenge.js';
export type { BearerChallengeOptions } from './errors/bearer-challenge.js';
export type { HttpErrorBody, RenderedHttpError, ErrorInfoDetail, BadRequestDetail } from './errors/render-http-error.js';
export { installGracefulShutdown, drain, onDrain, isDraining, closeHttpServer } from './lifecycle/graceful-shutdown.js';
export type { DrainOptions, GracefulShutdownOptions } from './lifecycle/graceful-shutdown.js';
export type { AgentmeshServerState, DrainHook, DrainOutcome } from './lifecycle/server-state.js';
export type { HealthBody, ReadyBody, ReadyAnswer, ReadinessCheck } from './probes/probes.js';
export { storageReadiness } from './probes/probes.js';
export { createOutboundPool, fetchThrough, traceparentInterceptor } from './outbound/outbound-pool.js';
export type { OutboundPool, OutboundPoolOptions, OutboundInterceptor, ConnectPolicy } from './outbound/outbound-pool.js';
export { createSsrfGuard } from './outbound/ssrf-guard.js';
export type { SsrfGuard, SsrfGuardOptions, SsrfCheckResult, SsrfFetchInit } from './outbound/ssrf-guard.js';
export { isNotModified, LastModifiedClock } from './server/conditional-get.js';
export type { ConditionalHeaders } from './server/conditional-get.js';
export { AddressVerdicts } from './outbound/address-verdicts.js';
export type { AddressVerdict, AddressVerdictsOptions } from './outbound/address-verdicts.js';
export { decodeContentEncoding, decodeContentSync, DECODED_CONTENT_CODINGS } from './server/content-decoding.js';
export { openSse, openSseWithFirst, parseLastEventId, abortOnClientGone, FIRST_EVENT_WAIT_MS } from './server/sse.js';
export type { FirstEvent, SseOptions, SseStream } from './server/sse.js';
export { roleServerFields, roleMetricsFields, roleProbeFields, metricsPortOf, parseRoleConfig, databaseOptionsOf, localUrlOf } from './server/role-config.js';
export { createMetricsListener } from './probes/metrics-listener.js';
export { observeDatabase } from './probes/database-metrics.js';
export type { MetricsListener, MetricsListenerOptions } from './probes/metrics-listener.js';
export { createProbeListener, probeListenerOf } from './probes/probe-listener.js';
export type { ProbeListener, ProbeListenerOptions } from './probes/probe-listener.js';
export { DisposerStack, openWithStack } from './lifecycle/disposer-stack.js';
export { roleTlsFields, serverTlsSchema, clientTlsSchema, CLIENT_AUTH_MODES } from './tls/tls-settings.js';
export type { ServerTlsSettings, ServerTlsSettingsInput, ClientTlsSettings, ClientAuthMode } from './tls/tls-settings.js';
export { CertificateReloader, readServerTls, summarizeCertificate } from './tls/server-tls.js';
export type { CertificateSummary, CertificateReloaderEvents, ServerSecureOptions } from './tls/server-tls.js';
export { readClientTls, openClientTls, ClientTlsSource } from './tls/client-tls.js';
export type { ClientTlsOptions, ClientTlsSourceEvents } from './tls/client-tls.js';
export { InProcessServers } from './outbound/in-process-servers.js';
export { reservePort } from './lifecycle/port-reservation.js';
export type { PortReservation } from './lifecycle/port-reservation.js';
export { peerCertificateThumbprint, certificateThumbprint } from './tls/peer-certificate.js';
