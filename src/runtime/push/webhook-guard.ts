/**
 * What push delivery needs from the SSRF guard (`createSsrfGuard` in
 * `src/http/`): a URL check and a fetch that re-checks the resolved address
 * at connect time, so a webhook host that passed the check when the config
 * was stored cannot later rebind to a private address (DNS rebinding).
 * Declared structurally, so this folder depends on the guard's shape rather
 * than its module; `SsrfGuard` satisfies it.
 *
 * Errors the worker relies on, by `code`: `AM_ERR_SSRF_BLOCKED` (dead-letter
 * at once), `AM_ERR_HTTP_TIMEOUT` (retry), `AM_ERR_HTTP_UPSTREAM_TOO_LARGE`
 * and anything else (retry).
 */
export interface WebhookGuard {
  /** Rejects (code `AM_ERR_SSRF_BLOCKED`) when the URL is not an allowed target. */
  check(url: string | URL): Promise<unknown>;
  /** `fetch` to an allowed target only. */
  fetch(url: string | URL, init?: WebhookFetchInit): Promise<Response>;
}

/** The request options push delivery passes to {@link WebhookGuard.fetch}. */
export interface WebhookFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | null;
  signal?: AbortSignal;
  /** Bound on the whole exchange, body included. */
  timeoutMs?: number;
  /** Largest response body read. */
  maxBytes?: number;
  /** Redirects followed; push sets 0 (see docs/push-notifications.md). */
  maxRedirects?: number;
}
