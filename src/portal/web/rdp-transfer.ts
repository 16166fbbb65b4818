// What the remote desktop page offers for the clipboard and files, and the words it says about
// them, from the pool's policy (in the ticket's answer) and what the browser allows. Pure: the
// unit tests run it in Node; rdp-clipboard.ts and rdp-files.ts do the DOM.
//
// IronRDP's clipboard works in one of two ways, chosen when its element starts: automatic (it
// watches the browser's clipboard while the page has focus and sends what changes, and puts what is
// copied in the desktop on it) or on the person's gesture (a button each way). Automatic goes both
// ways, so only a pool that allows both gets it, and only where the browser has not refused the
// page its clipboard (it asks the person once).
import { intoDesktop, outOfDesktop, type RdpPolicy } from '../console/rdp-protocol.js';

export type ClipboardMode = 'off' | 'automatic' | 'buttons';

/** `readPermission`: the browser's answer for clipboard-read ('granted', 'prompt', 'denied'), if any. */
export function clipboardMode(policy: RdpPolicy, readPermission: string | undefined): ClipboardMode {
  if (policy.clipboard === 'None') return 'off';
  return policy.clipboard === 'Both' && readPermission !== 'denied' ? 'automatic' : 'buttons';
}

/** Which controls the page shows while connected. */
export interface TransferControls {
  pasteIntoDesktop: boolean;
  copyFromDesktop: boolean;
  upload: boolean;
  download: boolean;
  /** IronRDP's clipboard channel: files travel through it too. */
  clipboardChannel: boolean;
}

export function transferControls(policy: RdpPolicy, mode: ClipboardMode): TransferControls {
  const buttons = mode === 'buttons';
  return {
    pasteIntoDesktop: buttons && intoDesktop(policy.clipboard),
    copyFromDesktop: buttons && outOfDesktop(policy.clipboard),
    upload: intoDesktop(policy.fileTransfer),
    download: outOfDesktop(policy.fileTransfer),
    clipboardChannel: policy.clipboard !== 'None' || policy.fileTransfer !== 'None',
  };
}

const CLIPBOARD_WORDS: Record<RdpPolicy['clipboard'], string> = {
  Both: 'Copy and paste work both ways',
  ToDesktop: 'You can paste into the desktop; copying out of it is turned off',
  FromDesktop: 'You can copy out of the desktop; pasting into it is turned off',
  None: 'Copy and paste are turned off for this desktop',
};

const FILE_WORDS: Record<RdpPolicy['fileTransfer'], string> = {
  Both: 'files can be uploaded and downloaded',
  ToDesktop: 'files can be uploaded, not downloaded',
  FromDesktop: 'files can be downloaded, not uploaded',
  None: 'file transfer is turned off',
};

/** One sentence on what the desktop's pool allows, for the line under the toolbar. */
export function transferNote(policy: RdpPolicy, mode: ClipboardMode): string {
  if (policy.clipboard === 'None' && policy.fileTransfer === 'None')
    return 'Copy and paste and file transfer are turned off for this desktop.';
  const how =
    mode === 'automatic'
      ? ' (your browser may ask you to allow the clipboard)'
      : mode === 'buttons' && policy.clipboard === 'Both'
        ? ' with the buttons above (your browser does not let this page read the clipboard by itself)'
        : '';
  return `${CLIPBOARD_WORDS[policy.clipboard]}${how}; ${FILE_WORDS[policy.fileTransfer]}.`;
}

/** Words for a byte count: "12 KB". */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** "report.pdf" or "3 files". */
export function filesWord(names: readonly string[]): string {
  return names.length === 1 ? (names[0] as string) : `${names.length} files`;
}
