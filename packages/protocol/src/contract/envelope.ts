import Type, { type Static } from 'typebox';
import { ERROR_CODES, type ErrorCode } from './errors.js';

/** Mooring's error body (every `/mooring/` path); balena-compatible paths answer a JSON string. */
export const ErrorEnvelope = Type.Object({
  error: Type.Object({
    code: Type.Unsafe<ErrorCode>({
      type: 'string',
      enum: Object.keys(ERROR_CODES),
      description:
        'Stable code from the registry (`ERROR_CODES`, @mooring/protocol/contract), e.g. `not_found`.',
    }),
    message: Type.String(),
    requestId: Type.String(),
  }),
});
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;
