/**
 * What a bench child allocates, by function: V8's sampling heap profiler with
 * collected objects kept (`--heap-prof` keeps only what is still alive at
 * exit, which says nothing about garbage per call). On when
 * `BENCH_ALLOC_PROFILE_DIR` is set; the profile is written there as
 * `alloc-<pid>.heapprofile` (Chrome DevTools' Memory tab opens it) when the
 * child is told to stop. With `BENCH_ALLOC_PROFILE_PROMOTED=1` the objects a
 * scavenge collected are left out: what remains is what outlived the young
 * generation (promoted, then collected by a mark-compact, or still alive).
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/** Starts sampling when asked to; returns what writes the profile (a no-op otherwise). */
export function startAllocationProfile(): () => Promise<void> {
  const dir = process.env['BENCH_ALLOC_PROFILE_DIR'];
  if (dir === undefined || dir === '') return async () => undefined;
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  const started = post('HeapProfiler.enable').then(() => post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env['BENCH_ALLOC_PROFILE_PROMOTED'] !== '1' }));
  return async () => {
    await started;
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    await writeFile(join(dir, `alloc-${process.pid}.heapprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}
