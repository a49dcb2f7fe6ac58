import { Writable } from 'node:stream';

/**
 * Collects every log line the app writes. One process-wide sink per test file: the "no secret in any
 * log line" tests scan it.
 */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
    callback();
  }
  text(): string {
    return this.lines.join('\n');
  }
}
