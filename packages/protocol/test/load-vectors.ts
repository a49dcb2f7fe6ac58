import { readFileSync } from 'node:fs';

/**
 * Reads a JSON vector file next to the tests. The cast is checked by the assertions that use
 * the data: a wrong shape fails the tests that read it.
 */
export function loadVectors<T>(name: string): T {
  const text = readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8');
  const data: unknown = JSON.parse(text);
  if (typeof data !== 'object' || data === null) throw new Error(`${name}: not a JSON object`);
  return data as T;
}

export const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
export const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
