/**
 * The database of the in-run reference design (scripts/bench-reference.ts): issue #9's second
 * reference figure, "Fastify + SHA-256 of the bearer value + two indexed better-sqlite3 lookups",
 * rebuilt here so it is measured on the same machine, in the same run, as Mooring. It holds only
 * what that design needs: key digests with their owner, and each device's uuid and heartbeat state.
 */
import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import type { SeedResult } from './seed.js';

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

export function writeReferenceDatabase(file: string, seed: SeedResult): void {
  const db = new SQLite(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE api_key (key_hash TEXT PRIMARY KEY, actor INTEGER NOT NULL);
      CREATE TABLE device (uuid TEXT PRIMARY KEY, api_heartbeat_state TEXT NOT NULL);`);
    const key = db.prepare('INSERT INTO api_key (key_hash, actor) VALUES (?, ?)');
    const device = db.prepare('INSERT INTO device (uuid, api_heartbeat_state) VALUES (?, ?)');
    db.transaction(() => {
      for (const k of seed.namedKeys) key.run(sha256Hex(k.key), k.user);
      for (const d of seed.devices) device.run(d.uuid, d.heartbeat);
    })();
  } finally {
    db.close();
  }
}
