/**
 * Where the client keeps its session token (or an API key given to `loginWithToken`).
 * Methods may be synchronous or return promises; the client awaits them either way.
 */
export interface TokenStore {
  get(): string | null | Promise<string | null>;
  set(token: string): void | Promise<void>;
  clear(): void | Promise<void>;
}

/**
 * Keeps the token in memory only: gone when the process or page ends. The default.
 *
 * @example
 * const client = new MooringClient({ apiUrl, tokenStore: new MemoryTokenStore() });
 */
export class MemoryTokenStore implements TokenStore {
  #token: string | null;

  /** @param token an initial token, for example one read from your own configuration. */
  constructor(token: string | null = null) {
    this.#token = token;
  }

  /** @example const token = store.get(); */
  get(): string | null {
    return this.#token;
  }

  /** @example store.set(token); */
  set(token: string): void {
    this.#token = token;
  }

  /** @example store.clear(); */
  clear(): void {
    this.#token = null;
  }
}

/** The subset of the Web Storage API the store needs (so any `Storage`-like object works). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Keeps the token in the browser's `localStorage` (survives reloads, shared by the origin's tabs).
 *
 * @example
 * const client = new MooringClient({ apiUrl: location.origin, tokenStore: new LocalStorageTokenStore() });
 */
export class LocalStorageTokenStore implements TokenStore {
  readonly #key: string;
  readonly #storage: KeyValueStorage;

  /**
   * @param key the storage key (default `mooring.token`)
   * @param storage default `globalThis.localStorage`
   */
  constructor(key = 'mooring.token', storage?: KeyValueStorage) {
    const resolved = storage ?? (globalThis as { localStorage?: KeyValueStorage }).localStorage;
    if (!resolved)
      throw new TypeError('LocalStorageTokenStore needs localStorage (a browser) or a storage object');
    this.#key = key;
    this.#storage = resolved;
  }

  /** @example const token = store.get(); */
  get(): string | null {
    return this.#storage.getItem(this.#key);
  }

  /** @example store.set(token); */
  set(token: string): void {
    this.#storage.setItem(this.#key, token);
  }

  /** @example store.clear(); */
  clear(): void {
    this.#storage.removeItem(this.#key);
  }
}
