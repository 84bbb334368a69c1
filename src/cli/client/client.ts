/**
 * The one place the CLI builds A2A clients. It downloads the agent card,
 * picks an interface (protocol version × binding, A2A §8.3) and hands the
 * official SDK a card reduced to that interface, so the SDK's own transport
 * selection cannot pick another one.
 */
import type { AgentCard, AgentInterface } from '@a2a-js/sdk';
import {
  ClientFactory,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type CallInterceptor,
  type Client,
  type TransportFactory,
} from '@a2a-js/sdk/client';
import { ErrorCodes, isAgentmeshError, networkReason, readRestError, type ProtocolVersion, Errors } from '../../protocol/index.js';
import { createOutboundFetch } from './outbound-fetch.js';
import { gatewayAgentOf } from './unknown-agent.js';

/** Protocol bindings the CLI speaks. */
export type Binding = (typeof BINDINGS)[number];
const BINDINGS = ['jsonrpc', 'rest', 'grpc'] as const;

/** Wire names of the bindings in `AgentInterface.protocolBinding` (A2A §5.8). */
const BINDING_WIRE_NAMES: Readonly<Record<Binding, string>> = { jsonrpc: 'JSONRPC', rest: 'HTTP+JSON', grpc: 'GRPC' };

/** Where the card lives below an agent base URL (A2A §8.2). */
const WELL_KNOWN_CARD_PATH = '.well-known/agent-card.json';

/** Options of {@link connectAgent}. */
export interface ConnectAgentOptions {
  /** Agent base URL (card at `<url>/.well-known/agent-card.json`) or the card URL itself (ends in `.json`). */
  url: string;
  /** Protocol version; absent = 1.0 when the card lists it, else 0.3. */
  protocol?: ProtocolVersion;
  /** Binding; absent = the card's preferred (first listed) among the candidates. */
  binding?: Binding;
  /** Extra headers sent on every request, card download included. */
  headers?: Readonly<Record<string, string>>;
  /** Bearer token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Without `token`: asked, with the downloaded card, for a token to call the agent with (see client-credentials.ts). */
  tokenProvider?: (card: AgentCard, signal?: AbortSignal) => Promise<string | undefined>;
  /** Underlying fetch (see {@link createOutboundFetch}); defaults to global fetch with a `traceparent`. */
  fetchImpl?: typeof fetch;
  /** Deadline for everything this connection does. */
  signal?: AbortSignal;
  /**
   * The `hint:` of a gateway's 404 for an agent it does not know (`gatewayUrl`
   * is the URL before `/agents/<name>`): the names near `name`, see unknown-agent.ts.
   */
  unknownAgentHint?: (name: string, gatewayUrl: string) => Promise<string>;
}

/** A ready client plus what was negotiated, for messages and hints. */
export interface AgentConnection {
  /** The SDK client, bound to exactly one interface. */
  readonly client: Client;
  /** The agent card as fetched (all interfaces). */
  readonly card: AgentCard;
  /** Where the card was fetched from. */
  readonly cardUrl: string;
  /** The interface in use. */
  readonly agentInterface: AgentInterface;
  /** The protocol version in use. */
  readonly protocol: ProtocolVersion;
  /** The binding in use. */
  readonly binding: Binding;
}

/**
 * Fetches the agent card and builds an SDK client for the chosen interface.
 *
 * @throws AgentmeshError `AM_ERR_CLI_USAGE` (bad URL), `AM_ERR_HTTP_UNAVAILABLE`
 *   (unreachable), `AM_ERR_HTTP_NOT_FOUND` (no card), `AM_ERR_TASK_INVALID_AGENT_RESPONSE`
 *   (not a card), `AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED` (no matching interface).
 *
 * @example
 * const { client } = await connectAgent({ url: 'http://localhost:4200/agents/sales', protocol: '1.0' });
 * const task = await client.getTask({ tenant: '', id: 'task-1' });
 */
export async function connectAgent(options: ConnectAgentOptions): Promise<AgentConnection> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined && options.token !== '') headers.authorization = `Bearer ${options.token}`;
  const outbound = () => {
    const outboundOptions: Parameters<typeof createOutboundFetch>[0] = { headers: { ...headers } };
    if (options.fetchImpl) outboundOptions.fetchImpl = options.fetchImpl;
    if (options.signal) outboundOptions.signal = options.signal;
    return createOutboundFetch(outboundOptions);
  };
  let fetchImpl = outbound();

  const cardUrl = agentCardUrl(options.url);
  // The resolver translates a v0.3-shaped card into the v1.0 shape and stamps
  // its interfaces with protocolVersion 0.3; we only borrow that translation.
  const resolver = new DefaultAgentCardResolver({ legacyCompat: { enabled: true } });
  const card = resolver.normalizeAgentCard(await downloadCard(cardUrl, fetchImpl, options.unknownAgentHint));
  const chosen = chooseInterface(card, cardUrl, options);
  if (headers.authorization === undefined && options.tokenProvider) {
    // The card is public; what it says about authentication decides the token the calls carry.
    const token = await options.tokenProvider(card, options.signal);
    if (token !== undefined && token !== '') {
      headers.authorization = `Bearer ${token}`;
      fetchImpl = outbound();
    }
  }

  const transports: TransportFactory[] = [
    new JsonRpcTransportFactory({ fetchImpl, legacyCompat: { enabled: true } }),
    new RestTransportFactory({ fetchImpl, legacyCompat: { enabled: true } }),
  ];
  let interceptors: CallInterceptor[] = [];
  if (chosen.binding === 'grpc') {
    // Loaded only for gRPC: the other bindings never import grpc-js (CONTRIBUTING.md, "Load what you use").
    const { GrpcTransportFactory } = await import('@a2a-js/sdk/client/grpc');
    transports.push(new GrpcTransportFactory({ legacyCompat: { enabled: true } }));
    // gRPC carries headers as metadata (A2A §10.2): the token and extra headers go on every call.
    if (Object.keys(headers).length > 0) interceptors = [withMetadata(headers)];
  }
  const factory = new ClientFactory({ transports, cardResolver: resolver, clientConfig: { interceptors } });
  const client = await factory.createFromAgentCard({ ...card, supportedInterfaces: [chosen.agentInterface] });
  return { client, card, cardUrl: cardUrl.href, ...chosen };
}

/** `<url>` as given on the command line → the card URL. */
export function agentCardUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw Errors.cliAgentUrlInvalid({ url });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw Errors.cliAgentUrlNotHttp({ url });
  }
  if (parsed.pathname.endsWith('.json')) return parsed;
  // Resolve relative to the base *with* its path: agents live under
  // /agents/<name>, and a leading-slash join would drop that prefix.
  const base = new URL(parsed.href);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  return new URL(WELL_KNOWN_CARD_PATH, base);
}

async function downloadCard(cardUrl: URL, fetchImpl: typeof fetch, unknownAgentHint: ConnectAgentOptions['unknownAgentHint']): Promise<unknown> {
  let response: Response;
  try {
    // Ask for the v1.0 card; a compat server then lists both versions' interfaces.
    response = await fetchImpl(cardUrl, { headers: { accept: 'application/json', 'A2A-Version': '1.0' } });
  } catch (err) {
    // Our own error from the fetch (an unreadable TLS_CLIENT_CERT_FILE) is not a network failure.
    if (isAbort(err) || isAgentmeshError(err)) throw err;
    throw Errors.cliCardHostUnreachable({ origin: cardUrl.origin, reason: networkReason(err) }, { cause: err });
  }
  if (!response.ok) {
    // A server that says why (a gateway: `No agent named "x" is reachable through this gateway`) is quoted, not guessed at.
    const answer = readRestError(await response.text().catch(() => ''));
    const message = answer?.message?.replace(/\s+/g, ' ').trim();
    // Bounded and on one line: it is quoted into the CLI's own error line.
    const said = message ? message.slice(0, 300) : undefined;
    if (response.status === 404) {
      // A gateway that knows no agent by that name: a typo, most likely, so the names near it are offered.
      const agent = answer?.code === ErrorCodes.GATEWAY_AGENT_NOT_FOUND ? gatewayAgentOf(cardUrl.href) : undefined;
      const hint = agent === undefined || unknownAgentHint === undefined ? undefined : await unknownAgentHint(agent.name, agent.gatewayUrl);
      throw Errors.cliCardNotFound({ url: cardUrl.href, said: said ? `: ${said}` : '' }, hint === undefined ? {} : { details: { hint } });
    }
    throw Errors.cliCardFetchFailed({ url: cardUrl.href, status: response.status, said: said ? `: ${said}` : '' }, { retryable: response.status >= 500 });
  }
  const text = await response.text();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw Errors.cliCardNotJson({ url: cardUrl.href }, { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw Errors.cliCardNotObject({ url: cardUrl.href });
  }
  return raw;
}

/** An interceptor adding `headers` to every call's service parameters (gRPC metadata). */
function withMetadata(headers: Readonly<Record<string, string>>): CallInterceptor {
  return {
    async before(args) {
      args.options = { ...args.options, serviceParameters: { ...headers, ...args.options?.serviceParameters } };
    },
    async after() {},
  };
}

function versionOf(agentInterface: AgentInterface): ProtocolVersion {
  // Interfaces synthesized from a v0.3 card are stamped '0.3'; v1.0 cards
  // must carry the version, but an empty one is read as the card's own (1.0).
  return agentInterface.protocolVersion.startsWith('0.') ? '0.3' : '1.0';
}

function bindingOf(agentInterface: AgentInterface): Binding | undefined {
  const wire = agentInterface.protocolBinding.toUpperCase();
  return BINDINGS.find((b) => BINDING_WIRE_NAMES[b] === wire);
}

function describe(interfaces: readonly AgentInterface[]): string {
  return interfaces.length === 0 ? 'none' : interfaces.map((i) => `${i.protocolBinding} ${i.protocolVersion || '1.0'}`).join(', ');
}

/**
 * Picks the interface per A2A §8.3.2: filter by what the user asked for and
 * what we speak, prefer 1.0 over 0.3 (§3.6.3: no silent fallback when a
 * version is requested), then keep the card's order, whose first entry is
 * the agent's preferred interface (§8.3.1).
 */
function chooseInterface(card: AgentCard, cardUrl: URL, options: ConnectAgentOptions): Pick<AgentConnection, 'agentInterface' | 'protocol' | 'binding'> {
  const listed = card.supportedInterfaces ?? [];
  const spoken = listed.flatMap((i) => {
    const binding = bindingOf(i);
    return binding === undefined ? [] : [{ i, binding }];
  });
  const byBinding = options.binding === undefined ? spoken : spoken.filter((s) => s.binding === options.binding);
  const protocol = options.protocol ?? (byBinding.some((s) => versionOf(s.i) === '1.0') ? '1.0' : '0.3');
  const chosen = byBinding.find((s) => versionOf(s.i) === protocol);
  if (chosen === undefined) {
    const wanted = [options.binding && BINDING_WIRE_NAMES[options.binding], options.protocol && `A2A ${options.protocol}`].filter(Boolean).join(' over ');
    throw Errors.cliCardNoInterface({ url: cardUrl.href, wanted: wanted ? ` for ${wanted}` : '', listed: describe(listed) });
  }
  const { i: picked, binding } = chosen;
  // Cards may carry relative URLs; resolve them against the card's location. A gRPC url is a target (host:port), not a URL.
  const agentInterface: AgentInterface = binding === 'grpc' ? picked : { ...picked, url: new URL(picked.url, cardUrl).href };
  return { agentInterface, protocol, binding };
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

