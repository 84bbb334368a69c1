import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './session.js';

/**
 * Loads a console API, again every `refreshMs` when given; `reload` loads it
 * now. `data` is undefined until the answer for the current `path` arrived:
 * a view never shows the last path's answer (the old rows of a search) under
 * the new one, nor an empty state while the first answer is on its way.
 */
export function useData<T>(path: string, refreshMs?: number): { data: T | undefined; error: string; reload: () => void } {
  const [answer, setAnswer] = useState<{ path: string; data: T } | undefined>(undefined);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const data = answer?.path === path ? answer.data : undefined;
  useEffect(() => {
    let live = true;
    api<T>(path).then(
      (d) => {
        if (!live) return;
        setAnswer({ path, data: d });
        setError('');
      },
      (err: Error) => live && setError(err.message),
    );
    const timer = refreshMs === undefined ? undefined : setTimeout(reload, refreshMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [path, tick, refreshMs, reload]);
  return { data, error, reload };
}
