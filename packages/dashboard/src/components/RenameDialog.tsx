import { type FormEvent, type ReactElement, useState } from 'react';
import { Dialog } from './Dialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { FormActions } from './FormActions.tsx';

/** Renames something; the server's validation message is shown when it refuses the name. */
export function RenameDialog({
  title,
  current,
  onRename,
  onClose,
}: {
  title: string;
  current: string;
  onRename: (name: string) => Promise<void>;
  onClose: () => void;
}): ReactElement {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '').trim();
    setBusy(true);
    setError(undefined);
    try {
      await onRename(name);
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="rename-name">New name</label>
          <input id="rename-name" name="name" defaultValue={current} required maxLength={200} />
        </div>
        <ErrorNotice error={error} />
        <FormActions onCancel={onClose} busy={busy} label="Rename" busyLabel="Renaming…" />
      </form>
    </Dialog>
  );
}

/** Asks before something is deleted for good, saying what goes with it. */
export function ConfirmDeleteDialog({
  title,
  children,
  action,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactElement | string;
  action: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}): ReactElement {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    try {
      await onConfirm();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <p>{children}</p>
      <ErrorNotice error={error} />
      <div className="dialog-actions">
        <button type="button" className="secondary" onClick={onClose} data-autofocus="">
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void confirm()} disabled={busy}>
          {busy ? 'Working…' : action}
        </button>
      </div>
    </Dialog>
  );
}
