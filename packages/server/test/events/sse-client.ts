import * as http from 'node:http';

/** One parsed Server-Sent Events message (or a comment line, `event: 'comment'`). */
export interface SseMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** A minimal SSE client over a real socket, for tests: collects messages, waits for conditions. */
export class SseClient {
  readonly messages: SseMessage[] = [];
  status = 0;
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private req: http.ClientRequest | undefined;

  /** Resolves when the response head has arrived. */
  static open(url: string, headers: Record<string, string>, agent?: http.Agent): Promise<SseClient> {
    const client = new SseClient();
    return new Promise((resolve, reject) => {
      client.req = http.get(url, { headers, agent }, (res) => {
        client.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.push(chunk));
        res.on('end', () => {
          client.ended = true;
          client.wake();
        });
        res.on('error', () => undefined);
        resolve(client);
      });
      client.req.on('error', reject);
    });
  }

  /** Events (not comments) received so far. */
  get events(): SseMessage[] {
    return this.messages.filter((m) => m.event !== 'comment');
  }

  /** Waits until `done()` holds (checked at every message) or fails after `ms`. */
  async until(done: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`SSE: timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.req?.destroy();
  }

  private push(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end < 0) break;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | undefined;
      let event = 'message';
      const data: string[] = [];
      let comment = true;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        comment = false;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (comment) this.messages.push({ id: undefined, event: 'comment', data: block });
      else if (data.length > 0 || event !== 'message')
        this.messages.push({ id, event, data: data.join('\n') });
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
