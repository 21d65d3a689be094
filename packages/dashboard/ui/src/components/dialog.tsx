import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal dialog on the native <dialog>: the browser traps focus inside it, Escape closes it,
 * and focus returns to what opened it.
 */
export function Dialog({
  title,
  onClose,
  children,
  role = 'dialog',
  wide = false,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  role?: 'dialog' | 'alertdialog';
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    return () => {
      dialog.close();
      opener?.focus();
    };
  }, []);
  const titleId = `dialog-title-${title.replace(/\W+/g, '-')}`;
  return (
    <dialog
      ref={ref}
      role={role}
      aria-labelledby={titleId}
      aria-modal="true"
      class={wide ? 'wide' : undefined}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <header class="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="icon" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
}

/** "Are you sure?" before an action that moves or deletes dead letters. */
export function Confirm({
  title,
  message,
  action,
  danger = false,
  onConfirm,
  onCancel,
}: {
  title: string;
  message: string;
  action: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog title={title} onClose={onCancel} role="alertdialog">
      <p>{message}</p>
      <div class="actions">
        <button type="button" onClick={onCancel} autofocus>
          Cancel
        </button>
        <button type="button" class={danger ? 'danger' : 'primary'} onClick={onConfirm}>
          {action}
        </button>
      </div>
    </Dialog>
  );
}
