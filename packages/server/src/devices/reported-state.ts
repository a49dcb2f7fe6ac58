import { REPORTED_FIELD_SCHEMAS } from '@mooring/protocol/contract';
import { AppError } from '../errors/app-error.js';
import { deviceMayReport } from '../permissions/permissions.js';

/*
 * The state a device reports with `PATCH /device/v2|v3/:uuid/state` (docs/devices.md). Known
 * fields are type-checked (400 on a wrong type) and stored; anything else a supervisor sends (`apps`,
 * `config`, `is_on__commit`, `logs_channel`, …) is ignored, as balena does, because supervisors of
 * every age send fields the API does not model and must not be refused for it.
 */

/** JSON schema of the known reported fields (column name → schema): the wire contract's. */
export { REPORTED_FIELD_SCHEMAS };

export type ReportedColumn = keyof typeof REPORTED_FIELD_SCHEMAS;
export type ReportedValues = Partial<Record<ReportedColumn, string | number | null>>;

/** The columns to update from a validated report. Numbers are stored as integers. */
export function reportedColumns(report: Readonly<Record<string, unknown>>): ReportedValues {
  const out: ReportedValues = {};
  for (const column of Object.keys(REPORTED_FIELD_SCHEMAS) as ReportedColumn[]) {
    if (!Object.hasOwn(report, column) || !deviceMayReport(column)) continue;
    const value = report[column];
    if (value === undefined) continue;
    if (value === null || typeof value === 'string') out[column] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[column] = Math.round(value);
    else if (typeof value === 'boolean') out[column] = value ? 1 : 0;
    else throw new AppError('validation', `"${column}" has the wrong type`);
  }
  // is_undervolted is NOT NULL: an explicit null means "not undervolted".
  if (out.is_undervolted === null) out.is_undervolted = 0;
  return out;
}

/** v2 bodies are `{ local: {...}, dependent?: {...} }`. */
export function v2Report(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const local = body.local;
  return local !== null && typeof local === 'object' ? (local as Record<string, unknown>) : {};
}

/** v3 bodies are `{ "<uuid>": {...} }`; a device may only report for itself. */
export function v3Report(body: Readonly<Record<string, unknown>>, uuid: string): Record<string, unknown> {
  for (const key of Object.keys(body)) {
    if (key !== uuid) throw new AppError('validation', 'A device can only report its own state');
  }
  const own = body[uuid];
  return own !== null && typeof own === 'object' ? (own as Record<string, unknown>) : {};
}
