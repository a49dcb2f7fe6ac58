import type { ServerResponse } from 'node:http';
import type { Principal } from '../auth/principal.js';
import type { EventFilters } from './events.repository.js';
import type { Rendered, Subscriber } from './hub.js';

/**
 * A subscriber that is further behind than this (bytes the socket has not sent yet) is dropped: it
 * reconnects with `Last-Event-ID` and catches up from the log, instead of the server buffering
 * without bound for a reader that does not read.
 */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Client reconnection delay the stream suggests (`retry:`), in ms. */
const RETRY_MS = 2000;

/** One Server-Sent Events connection (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export class SseSubscriber implements Subscriber {
  private open = true;

  constructor(
    private readonly res: ServerResponse,
    readonly principal: Principal,
    readonly filters: EventFilters,
    public cursor: number,
    private readonly onClose: (s: SseSubscriber) => void,
  ) {
    res.on('close', () => {
      this.open = false;
      this.onClose(this);
    });
  }

  /** Sends the headers and the first line at once, so the client knows it is subscribed. */
  begin(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx and similar proxies must not buffer a stream.
      'x-accel-buffering': 'no',
    });
    this.res.write(`retry: ${RETRY_MS}\n: cursor ${this.cursor}\n\n`);
  }

  deliver(events: readonly Rendered[]): boolean {
    if (!this.open) return false;
    let text = '';
    for (const e of events) text += e.frame;
    this.res.write(text);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.end('closing');
      return false;
    }
    return true;
  }

  keepAlive(): void {
    if (this.open) this.res.write(': keep-alive\n\n');
  }

  end(reason: 'unauthorized' | 'closing'): void {
    if (!this.open) return;
    this.open = false;
    // A named event the client can act on: `unauthorized` → stop (credentials changed), else resume.
    this.res.end(`event: ${reason === 'unauthorized' ? 'unauthorized' : 'reconnect'}\ndata: {}\n\n`);
  }
}
