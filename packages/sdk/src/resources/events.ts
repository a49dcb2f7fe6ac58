import { isMooringError, MooringError } from '../errors.js';
import type { Transport } from '../transport.js';
import type { EventFilter, EventPage, MooringEvent } from '../types.js';

export interface StreamOptions extends EventFilter {
  /** Start after this cursor; default: only events from now on. */
  readonly after?: number;
  /** Stops the stream (the iterator ends without an error). */
  readonly signal?: AbortSignal;
  /** First wait before reconnecting (doubles up to `maxRetryDelayMs`); default the server's hint, 2 s. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Called before each reconnection, with the error that ended the connection. */
  readonly onReconnect?: (error: unknown, attempt: number) => void;
}

/** Errors a reconnection cannot fix: the stream ends with them. */
const FINAL = new Set(['Unauthorized', 'Forbidden', 'Validation', 'NotFound', 'SessionExpired']);

/** The event log: device status changes, device lifecycle, API key events (docs/events.md). */
export class EventsResource {
  constructor(private readonly http: Transport) {}

  /**
   * One page of events after a cursor, oldest first; with `waitSeconds` (≤ 30) an empty page is
   * held until an event arrives.
   *
   * @example
   * let after = 0;
   * for (;;) {
   *   const { events, next } = await client.events.list({ after, types: ['device.offline'], waitSeconds: 30 });
   *   for (const e of events) console.log(e.deviceUuid, 'went offline at', e.at);
   *   after = next;
   * }
   */
  async list(
    options: EventFilter & { after?: number; limit?: number; waitSeconds?: number } = {},
  ): Promise<EventPage> {
    return this.http.request<EventPage>('GET', '/mooring/v1/events', {
      query: {
        after: options.after,
        types: options.types?.join(','),
        fleet: options.fleet,
        limit: options.limit,
        wait: options.waitSeconds,
      },
    });
  }

  /**
   * The live stream (Server-Sent Events) as an async iterator. It reconnects by itself after a
   * network error or a server restart and resumes after the last event it yielded (Last-Event-ID),
   * so no event is lost or repeated; it ends with an error when the credential is refused.
   *
   * @example
   * const stop = new AbortController();
   * for await (const e of client.events.stream({ types: ['device.offline', 'device.online'], signal: stop.signal })) {
   *   console.log(e.type, e.deviceUuid);
   * }
   */
  async *stream(options: StreamOptions = {}): AsyncGenerator<MooringEvent, void, undefined> {
    let cursor = options.after;
    let attempt = 0;
    let serverDelay = 2000;
    const query = { types: options.types?.join(','), fleet: options.fleet };
    for (;;) {
      if (options.signal?.aborted) return;
      let failure: unknown;
      try {
        const headers: Record<string, string> =
          cursor === undefined ? {} : { 'last-event-id': String(cursor) };
        const response = await this.http.openStream(
          '/mooring/v1/events/stream',
          query,
          headers,
          options.signal,
        );
        for await (const message of readSse(response, options.signal)) {
          if (message.retry !== undefined) serverDelay = message.retry;
          // The server names the cursor a stream "from now" starts at: resume from there, not from a later now.
          const start = /^ ?cursor (\d+)$/.exec(message.comment ?? '');
          if (start && cursor === undefined) cursor = Number(start[1]);
          if (message.event === 'unauthorized')
            throw new MooringError(
              'Unauthorized',
              'The server ended the stream: the credential is no longer valid',
              { status: 401 },
            );
          if (message.id === undefined || message.data === '') continue;
          const event = JSON.parse(message.data) as MooringEvent;
          cursor = event.id;
          attempt = 0;
          yield event;
        }
        // The server ended the stream (restart, shutdown, a slow reader dropped): resume.
      } catch (error) {
        if (options.signal?.aborted) return;
        if (isMooringError(error) && FINAL.has(error.code)) throw error;
        failure = error;
      }
      attempt++;
      options.onReconnect?.(failure, attempt);
      const base = options.retryDelayMs ?? serverDelay;
      const delay = Math.min(options.maxRetryDelayMs ?? 30_000, base * 2 ** Math.min(attempt - 1, 10));
      await sleep(delay, options.signal);
    }
  }
}

interface SseMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
  readonly retry: number | undefined;
  /** The text of a comment block (`: …`), e.g. the server's `cursor N`. */
  readonly comment: string | undefined;
}

/** Parses a text/event-stream body (WHATWG HTML §9.2.6) into messages; comments are skipped. */
async function* readSse(response: Response, signal: AbortSignal | undefined): AsyncGenerator<SseMessage> {
  const body = response.body;
  if (!body) return;
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const cancel = (): void => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', cancel, { once: true });
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let id: string | undefined;
        let event = 'message';
        let retry: number | undefined;
        let comment: string | undefined;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comment = line.slice(1);
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') id = text;
          else if (field === 'event') event = text;
          else if (field === 'data') data.push(text);
          else if (field === 'retry' && /^\d+$/.test(text)) retry = Number(text);
        }
        yield { id, event, data: data.join('\n'), retry, comment };
      }
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
    cancel();
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
