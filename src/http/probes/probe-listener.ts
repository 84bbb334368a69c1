import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../observability/index.js';
import { stateOf } from '../lifecycle/server-state.js';
import { createSideListener, type SideRoute } from './side-listener.js';

/** Options of {@link createProbeListener}. */
export interface ProbeListenerOptions {
  /** The role's server (built by `buildHttpServer`): its `/health` and `/ready` are answered here too. */
  app: FastifyInstance;
  /** Interface to bind: where the kubelet reaches the pod (0.0.0.0 in a pod). */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** The role's logger; lines are tagged `module: "probes"`. */
  logger: Logger;
}

/** A listener that serves only `GET /health` and `GET /ready`, in plain HTTP. */
export interface ProbeListener {
  /** Binds; resolves with its origin (`http://127.0.0.1:4299`). */
  listen(): Promise<{ url: string }>;
  /** The origin once listening. */
  readonly url: string | undefined;
  /** Stops listening. The app's own close calls it too, once the drain is over. */
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The role's `/health` and `/ready` on a plain HTTP listener of their own
 * (a `createSideListener`), for probes that cannot pass the public port's
 * TLS: with `tls.clientAuth: 'require'` that port refuses every handshake
 * without a client certificate of the mesh CA, and the kubelet's HTTP(S)
 * probes never present one. The answers are the public port's own (the same
 * `ProbeAnswers`: same checks, one shared run, `/ready` 503 `draining` from
 * the first moment of a drain); nothing else is served, so the port gives a
 * caller without a certificate no way around mutual TLS.
 *
 * Created before the app listens (it hooks the app's close: the listener
 * keeps answering `/ready` 503 through the drain and stops after it);
 * the role's `listen()` calls {@link ProbeListener.listen} once its public
 * port listens.
 *
 * @example
 * const app = buildHttpServer({ name: 'registry', version, logger, metrics, tls, readiness });
 * const probes = createProbeListener({ app, host: '0.0.0.0', port: 4199, logger });
 * await app.listen({ port: 4100, host: '0.0.0.0' });
 * await probes.listen(); // kubelet: httpGet { port: 4199, path: /ready, scheme: HTTP }
 */
export function createProbeListener(options: ProbeListenerOptions): ProbeListener {
  const probes = stateOf(options.app).probes;
  if (probes === undefined) throw new TypeError('this Fastify instance has no probes: build it with buildHttpServer()');
  const routes = new Map<string, SideRoute>([
    ['/health', () => ({ statusCode: 200, contentType: JSON_TYPE, body: JSON.stringify(probes.health()) })],
    [
      '/ready',
      async () => {
        const { statusCode, body } = await probes.ready();
        return { statusCode, contentType: JSON_TYPE, body: JSON.stringify(body) };
      },
    ],
  ]);
  const listener = createSideListener({ module: 'probes', routes, host: options.host, port: options.port, logger: options.logger });
  const log = options.logger.child({ module: 'probes' });
  let url: string | undefined;
  options.app.addHook('onClose', async () => {
    await listener.close();
  });
  return {
    get url() {
      return url;
    },
    async listen() {
      ({ origin: url } = await listener.listen());
      log.info({ url }, 'probes listening');
      return { url };
    },
    close: () => listener.close(),
  };
}

/**
 * The probe listener a role's settings ask for (`probePort`, `probeHost`,
 * default the role's `host`; see `roleProbeFields`), or undefined when
 * `probePort` is unset.
 *
 * @example
 * const probes = probeListenerOf(app, config, log);
 * const probesUrl = (await probes?.listen())?.url;
 */
export function probeListenerOf(app: FastifyInstance, config: { host: string; port: number; probePort?: number | undefined; probeHost?: string | undefined }, logger: Logger): ProbeListener | undefined {
  if (config.probePort === undefined) return undefined;
  if (config.probePort !== 0 && config.probePort === config.port) {
    throw new Error(`probePort ${config.probePort} is the role's own port: probes get a listener of their own`);
  }
  return createProbeListener({ app, host: config.probeHost ?? config.host, port: config.probePort, logger });
}
