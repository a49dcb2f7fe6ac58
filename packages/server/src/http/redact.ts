/** Query parameters that may carry credentials; their values never reach a log line. */
const SECRET_PARAMS = /([?&](?:apikey|api_key|auth_token|_token|token)=)[^&#]*/gi;

/** Replaces credential-bearing query values in a URL with `[REDACTED]`. */
export function redactUrl(url: string): string {
  return url.includes('=') ? url.replace(SECRET_PARAMS, '$1[REDACTED]') : url;
}
