/// <reference types="node" />
/**
 * Node-only parts of the SDK (`@mooring/sdk/node`). Kept out of `index.ts` so that browser bundles
 * never pull in `node:` modules.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TokenStore } from './token-store.js';

/**
 * Keeps the token in a file readable by its owner only (mode 0600, directory 0700), as the CLI does in
 * the user's configuration directory. Writes go to a temporary file renamed into place, so a crash
 * never leaves a half-written token.
 *
 * @example
 * import { FileTokenStore } from '@mooring/sdk/node';
 * const client = new MooringClient({ apiUrl, tokenStore: new FileTokenStore(`${os.homedir()}/.config/mooring/token`) });
 */
export class FileTokenStore implements TokenStore {
  readonly path: string;

  /** @param path the file to keep the token in; parent directories are created (0700). */
  constructor(path: string) {
    if (typeof path !== 'string' || path === '') throw new TypeError('FileTokenStore needs a file path');
    this.path = path;
  }

  /** @example const token = await store.get(); */
  async get(): Promise<string | null> {
    try {
      const text = (await readFile(this.path, 'utf8')).trim();
      return text === '' ? null : text;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** @example await store.set(token); */
  async set(token: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    // The mode applies at creation: the secret is never readable by others, not even briefly.
    await writeFile(tmp, `${token}\n`, { mode: 0o600, flag: 'wx' });
    try {
      await chmod(tmp, 0o600);
      await rename(tmp, this.path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /** @example await store.clear(); */
  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
