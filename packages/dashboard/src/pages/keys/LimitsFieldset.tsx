import type { ReactElement } from 'react';

export const AREAS = [
  ['fleets', 'Fleets'],
  ['devices', 'Devices'],
  ['env', 'Environment variables'],
  ['keys', 'API keys'],
] as const;

export type Area = (typeof AREAS)[number][0];
export type AreaRight = 'none' | 'read' | 'write';
export type LimitMode = 'full' | 'read' | 'areas';

export interface Limits {
  readonly mode: LimitMode;
  readonly areas: Readonly<Record<Area, AreaRight>>;
}

export const NO_LIMITS: Limits = {
  mode: 'full',
  areas: { fleets: 'read', devices: 'read', env: 'none', keys: 'none' },
};

/** The scopes the API expects (README "Limits"); undefined means "my full rights". */
export function scopesOf(limits: Limits): string[] | undefined {
  if (limits.mode === 'full') return undefined;
  if (limits.mode === 'read') return ['read'];
  return AREAS.flatMap(([area]) => (limits.areas[area] === 'none' ? [] : [`${area}:${limits.areas[area]}`]));
}

export function LimitsFieldset({
  value,
  onChange,
}: {
  value: Limits;
  onChange: (next: Limits) => void;
}): ReactElement {
  const mode = (next: LimitMode): void => onChange({ ...value, mode: next });
  return (
    <fieldset>
      <legend>Rights</legend>
      <div className="radio">
        <input
          type="radio"
          id="limits-full"
          name="limits"
          checked={value.mode === 'full'}
          onChange={() => mode('full')}
        />
        <label htmlFor="limits-full">Everything I can do</label>
      </div>
      <div className="radio">
        <input
          type="radio"
          id="limits-read"
          name="limits"
          checked={value.mode === 'read'}
          onChange={() => mode('read')}
        />
        <label htmlFor="limits-read">Read-only</label>
      </div>
      <div className="radio">
        <input
          type="radio"
          id="limits-areas"
          name="limits"
          checked={value.mode === 'areas'}
          onChange={() => mode('areas')}
        />
        <label htmlFor="limits-areas">Chosen areas</label>
      </div>
      {value.mode === 'areas' && (
        <div className="area-grid">
          {AREAS.map(([area, label]) => (
            <div className="field inline" key={area}>
              <label htmlFor={`area-${area}`}>{label}</label>
              <select
                id={`area-${area}`}
                value={value.areas[area]}
                onChange={(event) =>
                  onChange({ ...value, areas: { ...value.areas, [area]: event.target.value as AreaRight } })
                }
              >
                <option value="none">No access</option>
                <option value="read">Read</option>
                <option value="write">Read and write</option>
              </select>
            </div>
          ))}
        </div>
      )}
      <p className="hint">A key never has more rights than you have at the moment it is used.</p>
    </fieldset>
  );
}
