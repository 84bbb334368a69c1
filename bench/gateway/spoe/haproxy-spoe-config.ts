/**
 * HAProxy relaying to the runtime with agentmesh's policy agent deciding
 * beside it over SPOE: the HAProxy config and the SPOE engine's config.
 *
 * `per-call`: every request is sent to the agent (group `am-check`: the
 * Authorization header, method, path, A2A-Version, Content-Type, body and
 * client address) before any other rule; HAProxy returns the agent's
 * refusal (status, body in the caller's binding, challenge), or sets the
 * tenant assertion as the Authorization header and relays. Every answer is
 * buffered and sent back (group `am-answer-group`: the call id, the status,
 * the body) for settlement and audit before it is released.
 *
 * `cached`: HAProxy keeps the agent's verdict for a token, path and
 * JSON-RPC method in a map (set at runtime with `set-map`), fresh until
 * the time the agent put in it, and asks the agent only when there is none
 * or it is stale; a call answered from the map is rate-limited by a
 * stick table keyed by the client the verdict names (its limit from the
 * verdict), and its response alone goes to the agent (`am-charge-group`),
 * which holds and settles the credits and audits the call.
 */
import { A2A_JSON, PLAIN_JSON } from '../../../src/protocol/index.js';
import { HAPROXY_BENCH_PREAMBLE, runtimeBackend } from '../haproxy-relay.js';
import { FORWARDED_HEADERS, REFUSAL_HEADERS } from './policy-agent.js';
import { RETURNED_STATUSES } from './spoe-exchange.js';

export type SpoeMode = 'per-call' | 'cached';

/** The headers the gateway's steps send with a refusal of each status (answer-error.ts, admit-steps.ts, a2a-proxy-route.ts). */
const REFUSAL_HEADERS_BY_STATUS: Readonly<Record<number, readonly (typeof REFUSAL_HEADERS)[number][]>> = {
  401: ['www-authenticate'],
  403: ['www-authenticate'],
  415: ['accept-encoding'],
  429: ['retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
};

export interface HaproxySpoeFiles {
  haproxyCfg: string;
  spoeCfg: string;
}

/** Both configs; `spoeFile` and `mapFile` are where the caller writes the SPOE config and an empty map. */
export function haproxySpoeConfig({ port, upstream, gateway, agentPort, spoeFile, mapFile, mode }: { port: number; upstream: string | readonly string[]; gateway: string; agentPort: number; spoeFile: string; mapFile: string; mode: SpoeMode }): HaproxySpoeFiles {
  const { hostname: gatewayHost, port: gatewayPort } = new URL(gateway);
  const cached = mode === 'cached';
  // A call a step answered: its status, content type, body, and the headers the gateway would have sent with it.
  const returns = RETURNED_STATUSES.flatMap((status) => {
    const headers = (REFUSAL_HEADERS_BY_STATUS[status] ?? []).map((h) => ` hdr ${h} "%[var(txn.am.${h.replaceAll('-', '_')})]"`).join('');
    // HAProxy takes the payload's content type as a constant: one rule per type the gateway answers a refusal in
    // (a v1 HTTP+JSON one's application/a2a+json), picked by the type the agent set; application/json otherwise.
    const answer = (type: string, when: string) => `  http-request return status ${status} content-type ${type}${headers} lf-string "%[var(txn.am.body)]" if { var(txn.am.verdict) -m int ${status} }${when}`;
    return [answer(A2A_JSON, ` { var(txn.am.ctype) -m beg ${A2A_JSON} }`), answer(PLAIN_JSON, '')];
  });
  const request = cached
    ? [
        '  http-request set-var(txn.auth) req.fhdr(authorization)',
        "  http-request set-var(txn.rpc) req.body,json_query('$.method')",
        "  http-request set-var(txn.msg) req.body,json_query('$.params.message.messageId')",
        '  http-request set-var(txn.path) path',
        '  http-request set-var-fmt(txn.vkey) "%[var(txn.auth)]|%[var(txn.path)]|%[var(txn.rpc)]"',
        `  http-request set-var(txn.hit) var(txn.vkey),map(${mapFile})`,
        '  http-request set-var(txn.now) date',
        // A verdict past its renewal time is not used: the agent is asked again.
        "  http-request unset-var(txn.hit) if { var(txn.hit),field(1,' '),sub(txn.now) -m int le 0 }",
        '  http-request send-spoe-group agentmesh am-check unless { var(txn.hit) -m found }',
        `  http-request set-map(${mapFile}) %[var(txn.vkey)] %[var(txn.am.cache)] if { var(txn.am.cache) -m found }`,
        '  http-request set-var(txn.hit) var(txn.am.cache) if { var(txn.am.cache) -m found }',
        ...returns,
        // No verdict and no fresh cached one: the agent failed or did not answer in time. Fail closed.
        '  http-request deny deny_status 503 unless { var(txn.hit) -m found }',
        "  http-request set-var(txn.client) var(txn.hit),field(2,' ')",
        "  http-request set-var(txn.rpm) var(txn.hit),field(3,' ')",
        '  http-request track-sc0 var(txn.client)',
        '  http-request deny deny_status 429 if { sc_http_req_rate(0),sub(txn.rpm) -m int gt 0 }',
        "  http-request set-header authorization \"Bearer %[var(txn.hit),field(4,' ')]\"",
      ]
    : [
        '  http-request send-spoe-group agentmesh am-check if { path_beg /agents/ }',
        ...returns,
        '  http-request deny deny_status 503 unless { var(txn.am.verdict) -m int 0 } || !{ path_beg /agents/ }',
        '  http-request set-header authorization "Bearer %[var(txn.am.assertion)]" if { var(txn.am.assertion) -m found }',
        // The quota headers the gateway sends with an allowed call's answer.
        ...['limit', 'remaining', 'reset'].map((f) => `  http-response set-header ratelimit-${f} "%[var(txn.am.ratelimit_${f})]" if { var(txn.am.ratelimit_${f}) -m found }`),
        // Anything but an agent's calls (tokens, APIs, the console) is the gateway's, and so are the calls the agent
        // sends there as they came: streams, cards, the ACP door, tenants whose PII policy redacts.
        '  use_backend gateway if !{ path_beg /agents/ } || { var(txn.am.route) -m found }',
      ];
  const haproxyCfg = `# generated by the agentmesh gateway bench: HAProxy relays, agentmesh's policy agent decides (SPOE, ${mode})
${HAPROXY_BENCH_PREAMBLE}
frontend bench
  bind 127.0.0.1:${port}
  option http-buffer-request
  filter spoe engine agentmesh config ${spoeFile}
${cached ? '  stick-table type string len 64 size 100k expire 2m store http_req_rate(1m)\n' : ''}${request.join('\n')}
  http-response wait-for-body time 5s if { var(txn.am.call) -m found }
  http-response send-spoe-group agentmesh am-answer-group if { var(txn.am.call) -m found }
  # The answer could not be made durable: not released (the gateway fails such a call the same way).
  http-response return status 503 content-type application/json string '{"error":"the answer could not be recorded"}' if { var(txn.am.verdict) -m int 503 }
${cached ? '  http-response send-spoe-group agentmesh am-charge-group if !{ var(txn.am.call) -m found } { var(txn.hit) -m found }\n' : ''}  default_backend runtime

${runtimeBackend(upstream)}
backend gateway
  http-reuse always
  server gateway ${gatewayHost}:${gatewayPort}

backend agentmesh-spoa
  mode tcp
  timeout connect 5s
  timeout server 3m
  server agent 127.0.0.1:${agentPort}
`;
  const varNames = ['verdict', 'assertion', 'call', 'body', 'ctype', 'route', 'cache', 'error', 'ratelimit_limit', 'ratelimit_remaining', 'ratelimit_reset', ...REFUSAL_HEADERS.map((h) => h.replaceAll('-', '_'))];
  const args = Object.keys(FORWARDED_HEADERS).map((name) => `${name}=req.fhdr(${FORWARDED_HEADERS[name as keyof typeof FORWARDED_HEADERS]})`).join(' ');
  const spoeCfg = `# generated by the agentmesh gateway bench
[agentmesh]
spoe-agent agentmesh-policy
  groups am-check am-answer-group${cached ? ' am-charge-group' : ''}
  option var-prefix am
  option set-on-error error
  timeout hello 2s
  timeout idle 2m
  timeout processing 2s
  use-backend agentmesh-spoa
  register-var-names ${[...new Set(varNames)].join(' ')}

spoe-message am-request
  args method=method url=url ${args} body=req.body ip=src

spoe-message am-answer
  args call=var(txn.am.call) status=status body=res.body
${
  cached
    ? `
spoe-message am-charge
  args auth=var(txn.auth) path=var(txn.path) rpc=var(txn.rpc) msg=var(txn.msg) status=status body=res.body ip=src

spoe-group am-charge-group
  messages am-charge
`
    : ''
}
spoe-group am-check
  messages am-request

spoe-group am-answer-group
  messages am-answer
`;
  return { haproxyCfg, spoeCfg };
}
