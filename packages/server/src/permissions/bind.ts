import type { Principal } from '../auth/principal.js';
import { bindValues } from '../db/sql/values.js';

/** Binds the principal values of a permission predicate compiled outside the OData layer. */
export function bindPrincipal(parameters: readonly unknown[], principal: Principal): unknown[] {
  return bindValues(parameters, [], principal);
}
