import type { Bus } from './bus.js';
import { MemoryBus } from './memory-bus.js';
import { RedisBus } from './redis-bus.js';

/**
 * The Redis bus when `url` is set (`redis://…`), else the in-process one.
 *
 * @example
 * const bus = await createBus({ url: process.env.REDIS_URL });
 */
export async function createBus(options: { url?: string | undefined; onError?: (err: unknown) => void } = {}): Promise<Bus> {
  if (!options.url) return new MemoryBus();
  return RedisBus.connect(options.onError ? { url: options.url, onError: options.onError } : { url: options.url });
}
