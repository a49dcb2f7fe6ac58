import type { MooringEvent } from '@mooring/sdk';
import { isMooringError } from '@mooring/sdk';
import { useEffect, useRef } from 'react';
import { useClient } from './client.tsx';

/** Events of one stream read are handed over together, so a burst costs one render, not thousands. */
const BATCH_MS = 200;
const RETRY_MS = [2_000, 5_000, 15_000, 30_000] as const;

/**
 * Follows the event stream (`GET /mooring/v1/events/stream`, device events only, optionally one
 * fleet's) while the component is mounted, and calls `onEvents` with each batch. The SDK resumes
 * after network errors by itself (Last-Event-ID); when the stream ends for good (a refused
 * credential, a session refreshed to a new token) it is reopened after a pause, from the last cursor,
 * so nothing in between is lost. `onResync` runs after such a reopening, when the caller should
 * re-read what it shows (the gap may predate the log's retention).
 */
export function useDeviceEvents(
  fleet: number | undefined,
  onEvents: (events: readonly MooringEvent[]) => void,
  onResync?: () => void,
): void {
  const client = useClient();
  const handlers = useRef({ onEvents, onResync });
  handlers.current = { onEvents, onResync };

  useEffect(() => {
    const stop = new AbortController();
    let buffer: MooringEvent[] = [];
    let timer: number | undefined;
    const flush = (): void => {
      timer = undefined;
      const batch = buffer;
      buffer = [];
      if (batch.length > 0 && !stop.signal.aborted) handlers.current.onEvents(batch);
    };
    void (async () => {
      let cursor: number | undefined;
      for (let attempt = 0; !stop.signal.aborted; attempt++) {
        try {
          const stream = client.events.stream({
            types: ['device.*'],
            ...(fleet === undefined ? {} : { fleet }),
            ...(cursor === undefined ? {} : { after: cursor }),
            signal: stop.signal,
          });
          if (attempt > 0) handlers.current.onResync?.();
          for await (const event of stream) {
            cursor = event.id;
            attempt = 0;
            buffer.push(event);
            timer ??= window.setTimeout(flush, BATCH_MS);
          }
        } catch (error) {
          // A session that really ended is reported by the SDK's onSessionExpired (the app signs
          // out); anything else gets a bounded back-off and another try.
          if (isMooringError(error) && error.code === 'SessionExpired') return;
        }
        if (stop.signal.aborted || !(await client.auth.isLoggedIn().catch(() => false))) return;
        const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] ?? 30_000;
        await new Promise((resolve) => window.setTimeout(resolve, delay));
      }
    })();
    return () => {
      stop.abort();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [client, fleet]);
}
