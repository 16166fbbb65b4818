// What the remote desktop page offers for the clipboard and files, and says about them, from the
// pool's policy and the browser's clipboard permission (src/portal/web/rdp-transfer.ts).
import { describe, expect, it } from 'vitest';
import type { RdpPolicy } from '../src/portal/console/rdp-protocol.js';
import { clipboardMode, filesWord, size, transferControls, transferNote } from '../src/portal/web/rdp-transfer.js';

const policy = (clipboard: RdpPolicy['clipboard'], fileTransfer: RdpPolicy['fileTransfer']): RdpPolicy => ({
  clipboard,
  fileTransfer,
  signIn: 'WhenAsked',
});

describe('the clipboard on the remote desktop page', () => {
  it('is automatic only where the pool allows both ways and the browser has not refused it', () => {
    expect(clipboardMode(policy('Both', 'None'), 'granted')).toBe('automatic');
    expect(clipboardMode(policy('Both', 'None'), 'prompt')).toBe('automatic');
    expect(clipboardMode(policy('Both', 'None'), undefined)).toBe('automatic');
    expect(clipboardMode(policy('Both', 'None'), 'denied')).toBe('buttons');
    expect(clipboardMode(policy('ToDesktop', 'None'), 'granted')).toBe('buttons');
    expect(clipboardMode(policy('FromDesktop', 'None'), 'granted')).toBe('buttons');
    expect(clipboardMode(policy('None', 'Both'), 'granted')).toBe('off');
  });

  it('offers the buttons each direction allows, and files as the pool says', () => {
    expect(transferControls(policy('ToDesktop', 'ToDesktop'), 'buttons')).toEqual({
      pasteIntoDesktop: true,
      copyFromDesktop: false,
      upload: true,
      download: false,
      clipboardChannel: true,
    });
    expect(transferControls(policy('FromDesktop', 'FromDesktop'), 'buttons')).toMatchObject({
      pasteIntoDesktop: false,
      copyFromDesktop: true,
      upload: false,
      download: true,
    });
    // Automatic: no buttons needed.
    expect(transferControls(policy('Both', 'None'), 'automatic')).toMatchObject({
      pasteIntoDesktop: false,
      copyFromDesktop: false,
      clipboardChannel: true,
    });
    // Files travel through the clipboard channel, so it opens for them alone too; for nothing, not at all.
    expect(transferControls(policy('None', 'ToDesktop'), 'off').clipboardChannel).toBe(true);
    expect(transferControls(policy('None', 'None'), 'off')).toEqual({
      pasteIntoDesktop: false,
      copyFromDesktop: false,
      upload: false,
      download: false,
      clipboardChannel: false,
    });
  });

  it('says in one sentence what the pool allows', () => {
    expect(transferNote(policy('None', 'None'), 'off')).toBe(
      'Copy and paste and file transfer are turned off for this desktop.',
    );
    expect(transferNote(policy('ToDesktop', 'ToDesktop'), 'buttons')).toBe(
      'You can paste into the desktop; copying out of it is turned off; files can be uploaded, not downloaded.',
    );
    expect(transferNote(policy('Both', 'Both'), 'automatic')).toBe(
      'Copy and paste work both ways (your browser may ask you to allow the clipboard); files can be uploaded and downloaded.',
    );
    expect(transferNote(policy('Both', 'None'), 'buttons')).toMatch(
      /with the buttons above .*; file transfer is turned off\.$/,
    );
    expect(transferNote(policy('None', 'FromDesktop'), 'off')).toBe(
      'Copy and paste are turned off for this desktop; files can be downloaded, not uploaded.',
    );
  });

  it('words sizes and lists of files', () => {
    expect(size(512)).toBe('512 bytes');
    expect(size(12 * 1024)).toBe('12 KB');
    expect(size(3.5 * 1024 * 1024)).toBe('3.5 MB');
    expect(filesWord(['report.pdf'])).toBe('report.pdf');
    expect(filesWord(['a', 'b', 'c'])).toBe('3 files');
  });
});
