import { type ReactElement, useId, useRef, useState } from 'react';

interface SecretRevealProps {
  readonly label: string;
  readonly secret: string;
  /** Extra text under the warning, e.g. what the secret is for. */
  readonly hint?: string;
  /**
   * How the server keeps it, said in the warning: API keys as a keyed hash, signing secrets
   * encrypted (they must be read back to check signatures). `false`: no warning here, because the
   * dialog states one for all its secrets, or the value is not secret (a `keyid`).
   */
  readonly warning?: 'hash' | 'encrypted' | false;
}

/** A secret shown once: readonly field, copy button, and a warning that it cannot be shown again. */
export function SecretReveal({ label, secret, hint, warning = 'hash' }: SecretRevealProps): ReactElement {
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
      {warning && (
        <p className="notice notice-warning">
          <strong>Copy it now: this is the only time it is shown.</strong>{' '}
          {warning === 'hash'
            ? 'Mooring keeps only a hash of it and cannot show it again.'
            : 'Mooring stores it encrypted and never shows it again.'}{' '}
          {hint}
        </p>
      )}
      {!warning && hint && <p className="hint">{hint}</p>}
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
