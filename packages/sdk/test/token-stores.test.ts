import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type KeyValueStorage, LocalStorageTokenStore, MemoryTokenStore } from '../src/index.js';
import { FileTokenStore } from '../src/node.js';

class MapStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

describe('token stores', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mooring-sdk-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('MemoryTokenStore keeps, replaces and forgets a token', () => {
    const store = new MemoryTokenStore('first');
    expect(store.get()).toBe('first');
    store.set('second');
    expect(store.get()).toBe('second');
    store.clear();
    expect(store.get()).toBeNull();
  });

  it('LocalStorageTokenStore uses its key in the given storage, and needs a storage', () => {
    const storage = new MapStorage();
    const store = new LocalStorageTokenStore('app.token', storage);
    store.set('t');
    expect(storage.map.get('app.token')).toBe('t');
    expect(store.get()).toBe('t');
    store.clear();
    expect(storage.map.size).toBe(0);
    expect(() => new LocalStorageTokenStore()).toThrow(TypeError);
  });

  it('FileTokenStore writes mode 0600 in a 0700 directory, replaces atomically and clears', async () => {
    const path = join(dir, 'nested', 'config', 'token');
    const store = new FileTokenStore(path);
    expect(await store.get()).toBeNull();
    await store.set('secret-token');
    expect(await store.get()).toBe('secret-token');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested', 'config')).mode & 0o777).toBe(0o700);
    await store.set('second');
    expect(await store.get()).toBe('second');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await store.clear();
    expect(await store.get()).toBeNull();
    await store.clear();
  });

  it('FileTokenStore tightens a file that was created world-readable', async () => {
    const path = join(dir, 'loose');
    writeFileSync(path, 'old\n', { mode: 0o644 });
    const store = new FileTokenStore(path);
    expect(await store.get()).toBe('old');
    await store.set('new');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
