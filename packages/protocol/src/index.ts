/**
 * @mooring/protocol: pure, isomorphic wire formats shared by Mooring's server and SDK
 * (Node ≥ 20 and browsers; WebCrypto only, no runtime dependencies).
 */
export * from './api-key-format.js';
export { crc32 } from './crc32.js';
export {
  base64Decode,
  base64Encode,
  base64UrlEncode,
  hexDecode,
  hexEncode,
  timingSafeEqual,
} from './encoding.js';
export * from './signatures/index.js';
