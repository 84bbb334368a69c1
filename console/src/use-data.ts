import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './session.js';

/** Loads a console API, again every `refreshMs` when given; `reload` loads it now. */
export function useData<T>(path: string, refreshMs?: number): { data: T | undefined; error: string; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    api<T>(path).then(
      (d) => {
        if (!live) return;
        setData(d);
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
