// "Are you sure?", as a native modal <dialog>: the browser keeps focus inside it and closes it on
// Escape; it is labelled by its heading and described by its words, focus starts on the harmless
// choice and goes back to the button that opened it.
import { h } from './dom.js';

export interface Confirmation {
  title: string;
  /** What the person keeps and what they lose, one paragraph each. */
  words: string[];
  /** The confirming button's name, e.g. "Stop desktop". */
  confirm: string;
  /** Whether confirming loses something (styled as such). */
  danger?: boolean;
  /** What the person may choose before confirming (labelled inputs); the caller reads them after. */
  fields?: HTMLElement[];
}

let opened = 0;

export function confirmAction(confirmation: Confirmation): Promise<boolean> {
  const id = `confirm-${++opened}`;
  const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  const cancel = h('button', { type: 'button', value: 'cancel', autofocus: true }, 'Cancel');
  const confirm = h(
    'button',
    { type: 'button', value: 'confirm', class: confirmation.danger ? 'danger' : 'primary' },
    confirmation.confirm,
  );
  const dialog = h(
    'dialog',
    { class: 'confirm', 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-words` },
    h('h2', { id: `${id}-title` }, confirmation.title),
    h('div', { id: `${id}-words`, class: 'words' }, ...confirmation.words.map((w) => h('p', {}, w))),
    ...(confirmation.fields ?? []),
    h('div', { class: 'actions' }, cancel, confirm),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    cancel.addEventListener('click', () => dialog.close('cancel'));
    confirm.addEventListener('click', () => dialog.close('confirm'));
    dialog.addEventListener(
      'close',
      () => {
        resolve(dialog.returnValue === 'confirm');
        dialog.remove();
        if (returnTo?.isConnected) returnTo.focus();
      },
      { once: true },
    );
    dialog.showModal();
  });
}
