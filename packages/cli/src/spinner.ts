import type { Writable } from 'node:stream';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  update(text: string): void;
  stop(): void;
}

/**
 * A one-line spinner on a terminal; nothing at all otherwise, so logs of cron jobs and CI stay clean.
 */
export function progress(stream: Writable & { isTTY?: boolean }, text: string): Progress {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  let frame = 0;
  let current = text;
  const draw = (): void => {
    stream.write(`\r\u001b[2K${FRAMES[frame % FRAMES.length]} ${current}`);
    frame++;
  };
  draw();
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    update: (next) => {
      current = next;
    },
    stop: () => {
      clearInterval(timer);
      stream.write('\r\u001b[2K');
    },
  };
}
