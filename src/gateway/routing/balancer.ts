import type { UpstreamInstance } from './upstream-instance.js';

/** Round-robin position of one agent, advanced at each pick that had a tie. */
export interface RoundRobin {
  next: number;
}

/**
 * Picks the instance for the next request (docs/gateway-routing.md#choosing-an-instance): among the instances
 * in rotation at the registry whose breaker lets a request through (closed,
 * or half-open with its trial not yet taken), not already tried by this
 * request, the one with the fewest requests outstanding; a tie goes round
 * robin, so an idle pool still spreads sequential requests.
 *
 * Least-outstanding rather than plain round robin: a slow or stuck instance
 * collects outstanding requests and stops getting new ones, without any
 * latency measurement.
 *
 * @example
 * const instance = pickInstance(instances, new Set(), rr, Date.now());
 */
export function pickInstance(instances: readonly UpstreamInstance[], tried: ReadonlySet<string>, rr: RoundRobin, now: number): UpstreamInstance | undefined {
  let least = Number.POSITIVE_INFINITY;
  let tied: UpstreamInstance[] = [];
  for (const instance of instances) {
    if (!instance.inRotation || tried.has(instance.id) || !instance.available(now)) continue;
    if (instance.outstanding < least) {
      least = instance.outstanding;
      tied = [instance];
    } else if (instance.outstanding === least) {
      tied.push(instance);
    }
  }
  if (tied.length <= 1) return tied[0];
  const chosen = tied[rr.next % tied.length];
  rr.next = (rr.next + 1) % 1_000_000_007;
  return chosen;
}

/** Whether {@link pickInstance} would find an instance (without moving the round robin). */
export function hasCandidate(instances: readonly UpstreamInstance[], tried: ReadonlySet<string>, now: number): boolean {
  return instances.some((instance) => instance.inRotation && !tried.has(instance.id) && instance.available(now));
}
