import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, type Registry, type RegistryConfigInput, type RegistryOptions } from '../../src/registry/index.js';
import { sseFrames, type SseFrame } from './sse-frames.js';

/** A registry on port 0 in a temporary data dir, allowed to fetch and probe loopback agents. */
export async function startRegistry(config: RegistryConfigInput = {}, options: Omit<RegistryOptions, 'config'> = {}): Promise<{ registry: Registry; url: string; probesUrl: string | undefined; dataDir: string; close: () => Promise<void> }> {
  const dataDir = (config.dataDir as string | undefined) ?? mkdtempSync(join(tmpdir(), 'agentmesh-registry-'));
  const registry = await createRegistry({
    ...options,
    config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', dev: true, allowHosts: ['127.0.0.1', 'localhost'], ...config },
  });
  const { url, probesUrl } = await registry.listen();
  return {
    registry,
    url,
    probesUrl,
    dataDir,
    close: async () => {
      await registry.close();
      if (config.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** JSON request against the registry; returns status, headers and parsed body. */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** The reason of a refusal's ErrorInfo detail (its first detail naming one). */
export function errorReason(body: any): string | undefined {
  return body.error.details.find((d: any) => typeof d.reason === 'string')?.reason;
}

/** The field violations of a refusal's BadRequest detail; none when it has no such detail. */
export function fieldViolations(body: any): Array<{ field: string; description: string }> {
  return body.error.details.find((d: any) => d['@type']?.endsWith('BadRequest'))?.fieldViolations ?? [];
}

/** A minimal valid v1.0 card. */
export function sampleCard(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    description: `${name} does useful things`,
    version: '1.0.0',
    supportedInterfaces: [{ url: `https://agents.example.com/${encodeURIComponent(name)}`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'work', name: 'Work', description: 'Does the work', tags: ['work'], examples: ['do the work'] }],
    ...extra,
  };
}

/** One frame of the watch stream. */
export type WatchFrame = SseFrame;

/**
 * Opens `GET /watch`; `opened` resolves on the stream's first (`open`) frame,
 * `frames` when `count` change events arrived.
 */
export function watch(url: string, count: number, headers: Record<string, string> = {}): { opened: Promise<void>; frames: Promise<WatchFrame[]> } {
  let markOpen!: () => void;
  const opened = new Promise<void>((resolve) => (markOpen = resolve));
  const frames = (async () => {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    if (response.status !== 200) throw new Error(`watch answered ${response.status}: ${await response.text()}`);
    try {
      return await readWatchFrames(response.body!, count, markOpen);
    } finally {
      controller.abort();
    }
  })();
  return { opened, frames };
}

/** Reads a watch body until `count` change frames arrived (or it ends); `onOpen` runs on the `open` frame. */
export async function readWatchFrames(body: ReadableStream<Uint8Array>, count: number, onOpen: () => void = () => {}): Promise<WatchFrame[]> {
  const out: WatchFrame[] = [];
  const reader = sseFrames(body);
  try {
    while (out.length < count) {
      const frame = await reader.next();
      if (frame === undefined) break;
      if (frame.event === 'open') onOpen();
      else if (frame.data !== undefined) out.push(frame);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return out;
}
