import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  /** Reads again now (after an action). */
  readonly reload: () => void;
}

/**
 * Reads `load` now and then every `intervalMs` while the tab is visible; one request at a time,
 * so a slow broker slows the refresh down instead of piling requests up. The server bounds the
 * broker's load on its side too (one reading per interval, whatever the number of pages).
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number, key: string): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const round = async () => {
      if (document.visibilityState !== 'hidden') {
        try {
          const next = await loadRef.current();
          if (!stopped) {
            setData(next);
            setError(undefined);
          }
        } catch (failure) {
          if (!stopped) setError(failure as Error);
        }
      }
      if (!stopped && intervalMs > 0) timer = setTimeout(round, intervalMs);
    };
    void round();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, generation, intervalMs]);

  return { data, error, reload: () => setGeneration((n) => n + 1) };
}
