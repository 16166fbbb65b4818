// The remote desktop page's clipboard on the person's gesture (rdp-transfer.ts says when): "Paste
// into desktop" hands the browser's clipboard to the desktop (the browser lets a page read it on a
// click, and may ask the person first); "Copy from desktop" puts what was copied in the desktop on
// the browser's clipboard, and is offered once the desktop's clipboard has something new. IronRDP
// moves the data; this file words what happens.
import type { UserInteraction } from '@devolutions/iron-remote-desktop';
import type { TransferControls } from './rdp-transfer.js';

export interface ClipboardButtons {
  /** While connected: which buttons the policy allows (hidden otherwise). */
  show(controls: TransferControls | undefined): void;
  /** IronRDP says the desktop's clipboard changed (in the on-gesture mode). */
  desktopCopied(): void;
}

/** IronRDP's clipboard errors are plain errors or WebAssembly objects with a backtrace. */
function reason(err: unknown): string {
  const backtrace = (err as { backtrace?: () => string })?.backtrace;
  if (typeof backtrace === 'function') return backtrace.call(err);
  return err instanceof Error ? err.message : String(err);
}

export function clipboardButtons(
  ui: () => UserInteraction | undefined,
  paste: HTMLButtonElement,
  copy: HTMLButtonElement,
  say: (text: string) => void,
): ClipboardButtons {
  paste.addEventListener('click', () => {
    const rdp = ui();
    if (!rdp) return;
    rdp.sendClipboardData().then(
      () => say('Your clipboard is on the desktop’s: paste it there (Ctrl+V).'),
      (err: unknown) =>
        say(
          /no data/i.test(reason(err))
            ? 'Your clipboard holds nothing the desktop can take (text or a picture).'
            : 'The browser did not let this page read your clipboard. Allow it in the site’s settings (next to the address) to paste into the desktop.',
        ),
    );
  });
  copy.addEventListener('click', () => {
    const rdp = ui();
    if (!rdp) return;
    rdp.saveRemoteClipboardData().then(
      () => {
        copy.disabled = true;
        say('What was copied in the desktop is on your clipboard.');
      },
      (err: unknown) =>
        say(
          /did not send/i.test(reason(err))
            ? 'Nothing new was copied in the desktop.'
            : 'The browser did not let this page write to your clipboard.',
        ),
    );
  });
  return {
    show(controls) {
      paste.hidden = !controls?.pasteIntoDesktop;
      copy.hidden = !controls?.copyFromDesktop;
      copy.disabled = true;
    },
    desktopCopied() {
      if (copy.hidden) return;
      copy.disabled = false;
      say('Something was copied in the desktop: Copy from desktop puts it on your clipboard.');
    },
  };
}
