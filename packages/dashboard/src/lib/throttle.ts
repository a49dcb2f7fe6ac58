import { useEffect, useReducer, useRef } from 'react';

/**
 * A function that runs `run` at most once per `ms`: the first call at once, calls during the pause
 * once at its end. A burst of events (10,000 devices going offline together) costs a handful of
 * reads, not one per event.
 */
export function useThrottled(run: () => void, ms: number): () => void {
  const latest = useRef(run);
  latest.current = run;
  const state = useRef<{ last: number; timer: number | undefined }>({ last: 0, timer: undefined });
  useEffect(
    () => () => {
      if (state.current.timer !== undefined) window.clearTimeout(state.current.timer);
    },
    [],
  );
  const schedule = useRef(() => {
    const s = state.current;
    if (s.timer !== undefined) return;
    const wait = Math.max(0, s.last + ms - Date.now());
    s.timer = window.setTimeout(() => {
      s.timer = undefined;
      s.last = Date.now();
      latest.current();
    }, wait);
  });
  return schedule.current;
}

/** Re-renders every `ms` (relative times such as "3 minutes ago"), without any network. */
export function useTick(ms: number): number {
  const [, force] = useReducerTick();
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (!document.hidden) force();
    }, ms);
    return () => window.clearInterval(timer);
  }, [ms, force]);
  return Date.now();
}

function useReducerTick(): [number, () => void] {
  return useReducer((n: number) => n + 1, 0);
}
