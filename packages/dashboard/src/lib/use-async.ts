import { isMooringError } from '@mooring/sdk';
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Loads again (after a change); keeps the previous data on screen meanwhile. */
  readonly reload: () => Promise<void>;
}

/** After a failure (network down), a polled load is retried this often, not only every `pollMs`. */
const RETRY_MS = 5_000;

/**
 * Runs `load` now and whenever `deps` change, and every `pollMs` if given (skipped while the tab is
 * hidden; sooner after a failure, and when the browser comes back online). A late answer from an
 * older run never overwrites a newer one.
 */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList, pollMs?: number): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const mounted = useRef(true);
  const failed = useRef(false);
  const lastRun = useRef(0);

  const run = useCallback(
    async (): Promise<void> => {
      const mine = ++generation.current;
      lastRun.current = Date.now();
      try {
        const value = await load();
        if (mounted.current && mine === generation.current) {
          failed.current = false;
          setData(value);
          setError(undefined);
        }
      } catch (err) {
        if (mounted.current && mine === generation.current) {
          // Only a network failure is worth retrying soon; a refusal stays one until something changes.
          failed.current = isMooringError(err, 'Network');
          setError(err);
        }
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
    const tick = Math.min(pollMs, RETRY_MS);
    const timer = window.setInterval(() => {
      if (document.hidden) return;
      if (failed.current || Date.now() - lastRun.current >= pollMs - tick / 2) void run();
    }, tick);
    const online = (): void => {
      if (failed.current) void run();
    };
    window.addEventListener('online', online);
    return () => {
      mounted.current = false;
      window.clearInterval(timer);
      window.removeEventListener('online', online);
    };
  }, [run, pollMs]);

  return { data, error, loading, reload: run };
}
