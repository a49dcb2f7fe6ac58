/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table-driven.
 *
 * Used only as an integrity check on API keys (typo and truncation detection, cheap rejection
 * of garbage before any database access). It is NOT a MAC: anyone can compute it.
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of the bytes, or of the UTF-8 encoding of a string, as an unsigned 32-bit integer.
 *
 * @example crc32('123456789') === 0xcbf43926 // the standard check value
 */
export function crc32(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
