import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../support/test-app.js';

/** Resolves with everything the server sent once it closes the connection. */
function untilClosed(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  return new Promise((resolve, reject) => {
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);
}

describe('closing the server with a keep-alive request in flight', () => {
  it('answers the request, closes its connection and finishes closing at once (not after keep-alive)', async () => {
    const t = await createTestApp('sqlite');
    try {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.app.server.address() as { port: number };
      const arrived = new Promise<void>((resolve) => t.app.server.once('request', () => resolve()));
      const socket = connect(port, '127.0.0.1');
      const closed = untilClosed(socket);
      // Headers now, body later: the request is in flight (the connection busy) when close() starts.
      const body = JSON.stringify({ username: 'admin', password: 'not the password' });
      socket.write(
        'POST /login_ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n' +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      await arrived;
      const started = Date.now();
      const closing = t.app.close();
      // Let close() pass its first look at idle connections before the request can finish.
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.write(body);
      const answer = await within(5000, closed, 'the server closing the keep-alive connection');
      expect(answer).toMatch(/^HTTP\/1\.1 401 /);
      await within(5000, closing, 'app.close()');
      // Fastify's keep-alive timeout is 72 s; without the fix close() waits for it.
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await t.close();
    }
  });
});
