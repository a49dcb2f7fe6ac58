import { type ReactElement, useId, useRef, useState } from 'react';

interface SecretRevealProps {
  readonly label: string;
  readonly secret: string;
  /** Extra text under the warning, e.g. what the secret is for. */
  readonly hint?: string;
}

/** A secret shown once: readonly field, copy button, and a warning that it cannot be shown again. */
export function SecretReveal({ label, secret, hint }: SecretRevealProps): ReactElement {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState('');

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(secret);
      setStatus('Copied to the clipboard.');
    } catch {
      // No clipboard permission (some browsers, plain http): select it so Ctrl+C works.
      input.current?.select();
      setStatus('Selected: press Ctrl+C (⌘C) to copy.');
    }
  };

  return (
    <div className="secret">
      <p className="notice notice-warning">
        <strong>Copy it now: this is the only time it is shown.</strong> Mooring keeps only a hash of it and
        cannot show it again. {hint}
      </p>
      <label htmlFor={id}>{label}</label>
      <div className="secret-row">
        <input
          id={id}
          ref={input}
          className="mono"
          readOnly
          value={secret}
          onFocus={(event) => event.currentTarget.select()}
          spellCheck={false}
          data-secret=""
        />
        <button type="button" onClick={() => void copy()} data-autofocus="">
          Copy
        </button>
      </div>
      <p className="status-text" aria-live="polite">
        {status}
      </p>
    </div>
  );
}
