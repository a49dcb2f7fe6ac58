import type { Io } from './context.js';
import { run } from './program.js';

/** The process entry (bin/mooring.js imports the compiled file). */
const io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
const code = await run(process.argv.slice(2), io);
// Exit explicitly: an idle keep-alive socket or a paused stdin must not keep a cron job waiting.
// stdout and stderr are synchronous for files, pipes and terminals on POSIX, so nothing is lost.
process.exit(code);
