import { Writable } from 'node:stream';
import { recordLogText } from './secret-ledger.js';

/**
 * Collects every log line the app writes. One process-wide sink per test file: the "no secret in any
 * log line" tests scan it.
 */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    const text = chunk.toString('utf8');
    // Also to the run's log files, scanned for secrets after the whole suite (secret-ledger.ts).
    recordLogText(text);
    for (const line of text.split('\n')) if (line) this.lines.push(line);
    callback();
  }
  text(): string {
    return this.lines.join('\n');
  }
}
