export { DERIVED_COMPONENTS, signatureBase } from './components.js';
export { contentDigest, type DigestAlgorithm, type DigestCheck, verifyContentDigest } from './digest.js';
export { MIN_HMAC_SECRET_BYTES } from './keys.js';
export {
  createMessageSignature,
  type MessageSignatureOptions,
  type MessageVerification,
  type ReceivedParams,
  verifyMessageSignature,
} from './message.js';
export {
  MAX_KEYID_LENGTH,
  MAX_NONCE_LENGTH,
  MIN_NONCE_LENGTH,
  type RequestVerification,
  requiredComponents,
  type SignRequestOptions,
  signRequest,
  type VerifyRequestOptions,
  verifyRequestSignature,
} from './profile.js';
export { parseDictionary } from './sf-parse.js';
export {
  serializeBareItem,
  serializeDictionary,
  serializeInnerList,
  serializeItem,
  serializeParameters,
} from './sf-serialize.js';
export * from './sf-types.js';
export { MAX_SIGNATURE_HEADER_LENGTH } from './signature-headers.js';
export * from './types.js';
