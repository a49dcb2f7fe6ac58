/**
 * A value that is ready now or later: a cache hit or a lookup, a native HMAC or a thread-pool
 * Ed25519 check. Hot paths chain such steps with {@link whenReady}, so that an answer that is ready
 * at once creates no promise and costs no microtask turn.
 */
export type MaybePromise<T> = T | PromiseLike<T>;

/** Any thenable, not only a native promise (a caller's resolver may return another library's). */
export function isPromiseLike<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** `next(value)` at once when `value` is ready, else once it settles (its rejection passes through). */
export function whenReady<T, R>(value: MaybePromise<T>, next: (ready: T) => R | Promise<R>): R | Promise<R> {
  return isPromiseLike(value) ? Promise.resolve(value).then(next) : next(value);
}
