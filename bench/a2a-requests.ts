/**
 * The requests every target receives: a v1.0 JSON-RPC `SendMessage` or
 * `SendStreamingMessage` (A2A §9.4.1, §9.4.2) with `A2A-Version: 1.0`
 * (A2A §3.6). The same bytes go to every target.
 */
import type { ScenarioName } from './target-protocol.js';

/**
 * autocannon replaces this placeholder with a fresh id per request
 * (`idReplacement`), so no two requests share a messageId and no server can
 * answer from an idempotency cache (A2A §3.3.1).
 */
export const ID_PLACEHOLDER = '[<id>]';

const METHOD: Readonly<Record<ScenarioName, string>> = {
  sendmessage: 'SendMessage',
  streaming: 'SendStreamingMessage',
  // Over gRPC the same method goes as protobuf (grpc-load.ts); this JSON form is never sent.
  'grpc-send': 'SendMessage',
};

/** JSON-RPC body for the scenario; `messageId` defaults to the autocannon placeholder. */
export function requestBody({ scenario, messageId = `bench-${ID_PLACEHOLDER}` }: { scenario: ScenarioName; messageId?: string }): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: METHOD[scenario],
    params: { message: { messageId, role: 'ROLE_USER', parts: [{ text: 'score lead 42' }] } },
  });
}

/** Request headers for the scenario. */
export function requestHeaders(scenario: ScenarioName): Record<string, string> {
  return {
    'content-type': 'application/json',
    'a2a-version': '1.0',
    accept: scenario === 'streaming' ? 'text/event-stream' : 'application/json',
  };
}
