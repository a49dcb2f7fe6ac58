import { sql } from 'kysely';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import { bindPrincipal } from '../permissions/bind.js';
import { filterPredicate } from '../permissions/permissions.js';
import { rowFilter } from '../resources/access.js';

/** The fleet's config variables if the principal may read the fleet; undefined otherwise. */
export async function readableFleetConfig(
  db: Database,
  principal: Principal,
  fleetId: number,
): Promise<Map<string, string> | undefined> {
  const filter = rowFilter('application', 'read', principal);
  if (filter.kind === 'none') return undefined;
  const predicate = filterPredicate(filter, 't0', 'point');
  const compiled = sql`SELECT t0.id FROM application t0 WHERE t0.id = ${fleetId} AND ${predicate}`.compile(
    db.kysely,
  );
  const found = await db.kysely.executeQuery({
    ...compiled,
    parameters: bindPrincipal(compiled.parameters, principal),
  });
  if (found.rows.length === 0) return undefined;
  const vars = await sql<{ name: string; value: string }>`
    SELECT name, value FROM application_config_variable WHERE application = ${fleetId}`.execute(db.kysely);
  return new Map(vars.rows.map((r) => [r.name, r.value]));
}
