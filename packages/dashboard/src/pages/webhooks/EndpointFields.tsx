import type { Fleet, WebhookEndpoint } from '@mooring/sdk';
import { type ReactElement, useState } from 'react';
import { EVENT_GROUPS, EVENT_TYPE_LABELS } from './event-types.ts';

/** What the form sends: `null` types or fleets mean all of them (also those added later). */
export interface EndpointValues {
  readonly url: string;
  readonly description: string | null;
  readonly types: string[] | null;
  readonly fleets: number[] | null;
}

/** Reads the fields of {@link EndpointFields}; a string says what to fix before sending. */
export function readEndpointForm(form: FormData): EndpointValues | string {
  const types = form.get('types-mode') === 'some' ? form.getAll('type').map(String) : null;
  const fleets = form.get('fleets-mode') === 'some' ? form.getAll('fleet').map(Number) : null;
  if (types?.length === 0) return 'Choose at least one event type, or all events.';
  if (fleets?.length === 0) return 'Choose at least one fleet, or all fleets.';
  const description = String(form.get('description') ?? '').trim();
  return {
    url: String(form.get('url') ?? '').trim(),
    description: description === '' ? null : description,
    types,
    fleets,
  };
}

/**
 * The fields an endpoint is made of (create and edit): URL, description, event types and fleets.
 * Uncontrolled, read back with {@link readEndpointForm}; `fleets` are the organization's.
 */
export function EndpointFields({
  endpoint,
  fleets,
  problem,
}: {
  endpoint?: WebhookEndpoint;
  fleets: readonly Fleet[];
  /** A field-level problem found before sending (no event type chosen, for one). */
  problem?: string | undefined;
}): ReactElement {
  const [someTypes, setSomeTypes] = useState(endpoint ? endpoint.types !== null : false);
  const [someFleets, setSomeFleets] = useState(endpoint ? endpoint.fleets !== null : false);
  const chosenTypes = new Set(endpoint?.types ?? []);
  const chosenFleets = new Set(endpoint?.fleets ?? []);

  return (
    <>
      <div className="field">
        <label htmlFor="webhook-url">URL</label>
        <input
          id="webhook-url"
          name="url"
          type="url"
          required
          maxLength={2048}
          defaultValue={endpoint?.url}
          placeholder="https://example.com/hooks/mooring"
          aria-describedby="webhook-url-hint"
          spellCheck={false}
        />
        <p className="hint" id="webhook-url-hint">
          Mooring POSTs each event here, signed, until it answers 2xx. It follows no redirects.
        </p>
      </div>
      <div className="field">
        <label htmlFor="webhook-description">Description (optional)</label>
        <input
          id="webhook-description"
          name="description"
          maxLength={500}
          defaultValue={endpoint?.description ?? ''}
        />
      </div>
      <fieldset>
        <legend>Events</legend>
        <div className="radio">
          <input
            type="radio"
            id="types-all"
            name="types-mode"
            value="all"
            checked={!someTypes}
            onChange={() => setSomeTypes(false)}
          />
          <label htmlFor="types-all">All events, including types added later</label>
        </div>
        <div className="radio">
          <input
            type="radio"
            id="types-some"
            name="types-mode"
            value="some"
            checked={someTypes}
            onChange={() => setSomeTypes(true)}
          />
          <label htmlFor="types-some">Only these events</label>
        </div>
        {someTypes &&
          EVENT_GROUPS.map((group) => (
            <div key={group.title} className="event-group">
              <h3 className="small muted">{group.title}</h3>
              <div className="area-grid">
                {group.types.map((type) => (
                  <div className="checkbox" key={type}>
                    <input
                      type="checkbox"
                      id={`type-${type}`}
                      name="type"
                      value={type}
                      defaultChecked={chosenTypes.has(type)}
                    />
                    <label htmlFor={`type-${type}`}>
                      {EVENT_TYPE_LABELS[type]} <span className="mono muted small">{type}</span>
                    </label>
                  </div>
                ))}
              </div>
            </div>
          ))}
      </fieldset>
      <fieldset>
        <legend>Fleets</legend>
        {fleets.length === 0 ? (
          <p className="muted small">
            The organization has no fleets yet: the endpoint receives the events of every fleet it gets.
          </p>
        ) : (
          <>
            <div className="radio">
              <input
                type="radio"
                id="fleets-all"
                name="fleets-mode"
                value="all"
                checked={!someFleets}
                onChange={() => setSomeFleets(false)}
              />
              <label htmlFor="fleets-all">All fleets of the organization, including new ones</label>
            </div>
            <div className="radio">
              <input
                type="radio"
                id="fleets-some"
                name="fleets-mode"
                value="some"
                checked={someFleets}
                onChange={() => setSomeFleets(true)}
              />
              <label htmlFor="fleets-some">Only some fleets</label>
            </div>
            {someFleets && (
              <div className="check-list">
                {fleets.map((fleet) => (
                  <div className="checkbox" key={fleet.id}>
                    <input
                      type="checkbox"
                      id={`webhook-fleet-${fleet.id}`}
                      name="fleet"
                      value={fleet.id}
                      defaultChecked={chosenFleets.has(fleet.id)}
                    />
                    <label htmlFor={`webhook-fleet-${fleet.id}`}>{fleet.name}</label>
                  </div>
                ))}
              </div>
            )}
          </>
        )}
      </fieldset>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
