import { z } from 'zod';

/**
 * Whether a server asks TLS clients for a certificate:
 * - `off`: it does not ask;
 * - `request`: it asks, and a client may still connect without one (a
 *   presented certificate binds the gateway's tokens to it, RFC 8705);
 * - `require`: a client without a certificate signed by `caFile` is refused
 *   during the TLS handshake, before any HTTP is read (mutual TLS).
 */
export const CLIENT_AUTH_MODES = ['off', 'request', 'require'] as const;
export type ClientAuthMode = (typeof CLIENT_AUTH_MODES)[number];

/** The HTTPS settings of a serving role: `tls` in its config (env `TLS_CERT_FILE`, `TLS_KEY_FILE`, `TLS_CA_FILE`, `TLS_CLIENT_AUTH`). */
export const serverTlsSchema = z
  .object({
    /** PEM certificate chain the role serves (leaf first). Watched: a new pair is loaded without a restart. */
    certFile: z.string().min(1),
    /** PEM private key of `certFile`. */
    keyFile: z.string().min(1),
    /** PEM CA bundle client certificates must chain to; needed when `clientAuth` is not `off`. */
    caFile: z.string().min(1).optional(),
    /** See {@link ClientAuthMode}. Default `off`. */
    clientAuth: z.enum(CLIENT_AUTH_MODES).default('off'),
  })
  .strict()
  .refine((t) => t.clientAuth === 'off' || t.caFile !== undefined, {
    message: 'needs caFile (TLS_CA_FILE): client certificates are checked against it',
    path: ['caFile'],
  });

/** The settings of outbound service-to-service calls: `clientTls` in a role's config (env `TLS_CLIENT_CERT_FILE`, `TLS_CLIENT_KEY_FILE`, `TLS_CA_FILE`). */
export const clientTlsSchema = z
  .object({
    /** PEM client certificate presented to the roles this one calls (mutual TLS). */
    certFile: z.string().min(1).optional(),
    /** PEM private key of `certFile`. */
    keyFile: z.string().min(1).optional(),
    /** PEM CA bundle trusted for the roles this one calls, in addition to the system's roots for the mesh's internal calls. */
    caFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
    message: 'needs both certFile and keyFile (TLS_CLIENT_CERT_FILE, TLS_CLIENT_KEY_FILE), or neither',
    path: ['certFile'],
  });

export type ServerTlsSettings = z.output<typeof serverTlsSchema>;
export type ServerTlsSettingsInput = z.input<typeof serverTlsSchema>;
export type ClientTlsSettings = z.output<typeof clientTlsSchema>;

/**
 * The TLS settings every serving role shares, as zod fields its schema
 * spreads in (beside {@link roleServerFields}): `tls` serves HTTPS,
 * `clientTls` is what the role presents and trusts when it calls another.
 *
 * @example
 * const schema = z.object({ ...roleServerFields(4100), ...roleTlsFields() }).strict();
 */
export function roleTlsFields() {
  return {
    /** Serve HTTPS (and optionally require client certificates). Unset: plain HTTP. */
    tls: serverTlsSchema.optional(),
    /** Client certificate and trusted CAs of this role's calls to other roles. Unset: system roots, no client certificate. */
    clientTls: clientTlsSchema.optional(),
  };
}
