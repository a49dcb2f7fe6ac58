import type { EnvVar } from '@mooring/sdk';
import { type FormEvent, type ReactElement, useState } from 'react';
import { useClient } from '../lib/client.tsx';
import { useAsync } from '../lib/use-async.ts';
import { ErrorNotice } from './ErrorNotice.tsx';

type Target = { readonly fleet: number } | { readonly device: number };

interface EnvVarsProps {
  readonly target: Target;
  readonly title: string;
  /** Names set at fleet level, marked when a device variable overrides them. */
  readonly inherited?: readonly EnvVar[];
  /** Environment variables (default) or configuration variables (the supervisor's settings). */
  readonly kind?: 'env' | 'config';
  /** Changes when the variables were changed elsewhere on the page (read again). */
  readonly version?: number;
}

/** What differs between the two kinds: the API and the words (two sections share a page). */
const WORDS = {
  env: { name: 'Name', value: 'Value', add: 'Add variable', empty: 'No variables.' },
  config: {
    name: 'Setting',
    value: 'Setting value',
    add: 'Add setting',
    empty: 'No configuration variables.',
  },
} as const;

// The edit field replaces the value in place: move the keyboard focus into it.
const focusOnMount = (input: HTMLInputElement | null): void => input?.focus();

/** Environment (or configuration) variables of a fleet or a device: list, add, edit in place, delete. */
export function EnvVarsSection({
  target,
  title,
  inherited,
  kind = 'env',
  version = 0,
}: EnvVarsProps): ReactElement {
  const client = useClient();
  const api = kind === 'env' ? client.env : client.config;
  const words = WORDS[kind];
  const key = `${kind === 'env' ? '' : 'c'}${'fleet' in target ? `f${target.fleet}` : `d${target.device}`}`;
  const vars = useAsync(() => api.list(target), [api, key, version]);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const headingId = `${kind}-${key}`;

  const act = async (action: () => Promise<unknown>): Promise<boolean> => {
    setError(undefined);
    try {
      await action();
      await vars.reload();
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };

  const add = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const name = String(form.get('name') ?? '').trim();
    const value = String(form.get('value') ?? '');
    if (await act(() => api.set({ ...target, name, value }))) formElement.reset();
  };

  const save = async (event: FormEvent<HTMLFormElement>, name: string): Promise<void> => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get('value') ?? '');
    if (await act(() => api.set({ ...target, name, value }))) setEditing(null);
  };

  const own = new Set(vars.data?.map((v) => v.name));
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <ErrorNotice error={vars.error ?? error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {inherited
              ?.filter((v) => !own.has(v.name))
              .map((v) => (
                <tr key={`inherited-${v.name}`} className="inherited">
                  <td className="mono">{v.name}</td>
                  <td className="mono">{v.value}</td>
                  <td className="muted small">from the fleet</td>
                </tr>
              ))}
            {vars.data?.map((v) => (
              <tr key={v.name} {...{ [`data-${kind}`]: v.name }}>
                <td className="mono">{v.name}</td>
                <td className="mono">
                  {editing === v.name ? (
                    <form className="inline-form" onSubmit={(event) => void save(event, v.name)}>
                      <label className="visually-hidden" htmlFor={`edit-${key}-${v.name}`}>
                        New value of {v.name}
                      </label>
                      <input
                        id={`edit-${key}-${v.name}`}
                        name="value"
                        defaultValue={v.value}
                        ref={focusOnMount}
                      />
                      <button type="submit" className="small">
                        Save
                      </button>
                      <button type="button" className="secondary small" onClick={() => setEditing(null)}>
                        Cancel
                      </button>
                    </form>
                  ) : (
                    v.value
                  )}
                </td>
                <td className="row-actions">
                  {editing !== v.name && (
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() => setEditing(v.name)}
                      aria-label={`Edit ${v.name}`}
                    >
                      Edit
                    </button>
                  )}
                  <button
                    type="button"
                    className="danger small"
                    onClick={() => void act(() => api.remove({ ...target, name: v.name }))}
                    aria-label={`Delete ${v.name}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
            {vars.data?.length === 0 && !inherited?.length && (
              <tr>
                <td colSpan={3} className="muted">
                  {words.empty}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <form
        className="inline-form add-var"
        onSubmit={(event) => void add(event)}
        aria-label={`Add to ${title}`}
      >
        <div className="field">
          <label htmlFor={`new-name-${key}`}>{words.name}</label>
          <input
            id={`new-name-${key}`}
            name="name"
            required
            pattern="[A-Za-z_][A-Za-z0-9_]*"
            title="Letters, digits and underscores, not starting with a digit"
            className="mono"
          />
        </div>
        <div className="field">
          <label htmlFor={`new-value-${key}`}>{words.value}</label>
          <input id={`new-value-${key}`} name="value" className="mono" />
        </div>
        <button type="submit">{words.add}</button>
      </form>
    </section>
  );
}
