import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Loads again (after a change); keeps the previous data on screen meanwhile. */
  readonly reload: () => Promise<void>;
}

/**
 * Runs `load` now and whenever `deps` change, and every `pollMs` if given (skipped while the tab is
 * hidden). A late answer from an older run never overwrites a newer one.
 */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList, pollMs?: number): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const mounted = useRef(true);

  const run = useCallback(
    async (): Promise<void> => {
      const mine = ++generation.current;
      try {
        const value = await load();
        if (mounted.current && mine === generation.current) {
          setData(value);
          setError(undefined);
        }
      } catch (err) {
        if (mounted.current && mine === generation.current) setError(err);
      } finally {
        if (mounted.current && mine === generation.current) setLoading(false);
      }
    },
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what `load` depends on.
    deps,
  );

  useEffect(() => {
    mounted.current = true;
    setLoading(true);
    void run();
    if (pollMs === undefined) {
      return () => {
        mounted.current = false;
      };
    }
    const timer = window.setInterval(() => {
      if (!document.hidden) void run();
    }, pollMs);
    return () => {
      mounted.current = false;
      window.clearInterval(timer);
    };
  }, [run, pollMs]);

  return { data, error, loading, reload: run };
}
