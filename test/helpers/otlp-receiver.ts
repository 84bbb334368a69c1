/**
 * An in-process OTLP/HTTP receiver for tests: accepts the exporters'
 * `POST /v1/traces` (JSON, as agentmesh's exporter sends it) and keeps every
 * span with its service.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as the OTLP/HTTP JSON exporter sends it (ids in hex), with its service. */
export interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
}

/** OTLP span kinds (opentelemetry-proto trace.proto). */
export const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

type OtlpValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number; arrayValue?: { values?: OtlpValue[] } };

/** An attribute's value; an array attribute (`arrayValue`) reads as its values joined with commas. */
function valueOf(v: OtlpValue): string | number | boolean {
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(valueOf).join(',');
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  return v.doubleValue ?? '';
}

function attributesOf(list: Array<{ key: string; value: OtlpValue }> | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));
}

/**
 * An in-process OTLP/HTTP receiver: accepts the exporters' `POST /v1/traces`
 * (JSON, as agentmesh's exporter sends it) and keeps every span.
 */
export async function startOtlpReceiver(): Promise<{ server: Server; url: string; spans: ExportedSpan[]; contentTypes: string[] }> {
  const spans: ExportedSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(String(req.headers['content-type']));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as any;
      for (const rs of body.resourceSpans ?? []) {
        const service = String(attributesOf(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, attributes: attributesOf(s.attributes) });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, contentTypes };
}

