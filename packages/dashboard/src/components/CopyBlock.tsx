import { type ReactElement, useId, useState } from 'react';

/** A block of text (a command, a snippet) with a copy button. */
export function CopyBlock({ label, text }: { label: string; text: string }): ReactElement {
  const id = useId();
  const [status, setStatus] = useState('');
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setStatus('Copied to the clipboard.');
    } catch {
      setStatus('Copying is not allowed here: select the text and copy it.');
    }
  };
  return (
    <figure className="copy-block">
      <figcaption className="copy-block-header">
        <span id={id}>{label}</span>
        <button type="button" className="secondary small" onClick={() => void copy()} aria-describedby={id}>
          Copy
        </button>
      </figcaption>
      <pre>
        <code>{text}</code>
      </pre>
      <p className="status-text" aria-live="polite">
        {status}
      </p>
    </figure>
  );
}
