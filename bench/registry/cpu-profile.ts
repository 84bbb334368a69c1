/**
 * CPU profiles of the registry bench's phases, when `BENCH_REGISTRY_PROFILE_DIR`
 * names a directory: the registry process during registration and while it
 * serves a new gateway's pages, and the bench process while the gateway loads.
 * Each phase is its own `.cpuprofile` (open it in Chrome's DevTools or read it
 * with a script), so a registration profile is not diluted by the search load.
 */
import { Session } from 'node:inspector/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const profileDir = process.env.BENCH_REGISTRY_PROFILE_DIR;

/** A profiler over this process, running until {@link PhaseProfiler.write}. */
export interface PhaseProfiler {
  /** Writes what was sampled since the start or the last write to `<dir>/<name>.cpuprofile`, and samples on. */
  write(name: string): Promise<void>;
}

/** Starts profiling this process when the bench was asked to; `undefined` otherwise. */
export async function startPhaseProfiler(): Promise<PhaseProfiler | undefined> {
  if (profileDir === undefined || profileDir === '') return undefined;
  await mkdir(profileDir, { recursive: true });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 1 ms between samples: minutes of registrations stay a profile DevTools opens.
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return {
    async write(name) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
      await session.post('Profiler.start');
    },
  };
}
