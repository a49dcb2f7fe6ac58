/**
 * The CLI's exit statuses: a stable contract for shell scripts and cron jobs (documented in
 * packages/cli/README.md and in `mooring --help`). Never renumber; only append.
 */
export const EXIT = {
  ok: 0,
  /** A negative answer that is not a failure: the device is offline, wait-online timed out. */
  no: 1,
  /** Bad arguments, a bad --api-url, an unreadable configuration: fix the command line. */
  usage: 2,
  /** Not logged in, the credential was refused (401: expired, revoked, mistyped) or lacks the right (403). */
  auth: 3,
  notFound: 4,
  /** The server refused the request as invalid (400, 413, …) or conflicting (409). */
  conflict: 5,
  /** The server could not be reached: connection refused, DNS, timeout, TLS. */
  network: 6,
  /** The server failed (5xx) or answered something the CLI does not understand. */
  server: 7,
  /** Too many requests (429): retry after the time the message names. */
  rateLimited: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table printed by `mooring --help` and copied into the README. */
export const EXIT_CODE_HELP = `Exit status:
  0  success
  1  a negative answer: the device is offline, wait-online timed out
  2  usage: bad arguments, bad --api-url or configuration
  3  authentication: not logged in, credential refused (401) or not allowed (403)
  4  not found (404)
  5  refused as invalid (400) or conflicting (409)
  6  network: the server could not be reached
  7  server error (5xx) or an unexpected answer
  8  rate limited (429): retry after the time given`;
