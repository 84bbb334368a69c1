/** Types of conformance-gateway.mjs, for the test of the relay the conformance runner puts before the gateway. */
export interface Relay {
  url: string;
  forwardTo(target: string, token: string): void;
  close(): Promise<void>;
}
export function startRelay(): Promise<Relay>;
