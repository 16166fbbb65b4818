// Files to and from the desktop, as its pool allows (rdp-transfer.ts): IronRDP's file transfer,
// which moves files through the clipboard channel as RDP clients do when files are copied and
// pasted. An upload (the Upload files button, or files dropped on the screen) puts the files on the
// desktop's clipboard, to paste into a folder there (the bytes travel as they are pasted); files
// copied in the desktop can be downloaded
// (the Download button appears when there are some). One provider per connection, given to IronRDP
// before it connects.
import type { FileTransferProvider, UserInteraction } from '@devolutions/iron-remote-desktop';
import { type FileInfo, RdpFileTransferProvider } from '@devolutions/iron-remote-desktop-rdp';
import { filesWord, size, type TransferControls } from './rdp-transfer.js';

export interface FileTransfer {
  /** Before connecting: a provider for this connection, if the policy allows files either way. */
  attach(ui: UserInteraction, controls: TransferControls): void;
  /** While connected (or not: undefined): which buttons to show. */
  show(controls: TransferControls | undefined): void;
}

/** What the person picked, dropped, or is offered by the desktop: files alone (no folders). */
const filesOnly = (files: FileInfo[]) => files.filter((file) => file.isDirectory !== true);

export function fileTransfer(
  elements: {
    upload: HTMLButtonElement;
    input: HTMLInputElement;
    download: HTMLButtonElement;
    /** Where files may be dropped: the screen. */
    dropZone: HTMLElement;
  },
  say: (text: string) => void,
): FileTransfer {
  const { upload, input, download, dropZone } = elements;
  let provider: RdpFileTransferProvider | undefined;
  let controls: TransferControls | undefined;
  let offered: FileInfo[] = [];

  // The desktop takes an upload's bytes when something there reads the files (pasting them into a
  // folder): until then they wait on its clipboard, and the page says so.
  const send = (files: File[]) => {
    if (!provider || !controls?.upload || files.length === 0) return;
    const names = filesWord(files.map((file) => file.name));
    const are = files.length === 1 ? 'is' : 'are';
    try {
      provider.uploadFiles(files).completion.then(
        () => say(`${names} ${are} copied to the desktop.`),
        () => undefined, // the provider's error event words it
      );
      say(
        `${names} ${are} on the desktop’s clipboard: paste into a folder there to copy ${files.length === 1 ? 'it' : 'them'}.`,
      );
    } catch {
      say('An upload is still going on: wait for it to finish.');
    }
  };

  upload.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    send([...(input.files ?? [])]);
    input.value = '';
  });
  dropZone.addEventListener('dragover', (event) => {
    if (!provider || !controls?.upload) return;
    provider.handleDragOver(event);
    dropZone.dataset.dropping = 'true';
  });
  dropZone.addEventListener('dragleave', () => delete dropZone.dataset.dropping);
  dropZone.addEventListener('drop', (event) => {
    delete dropZone.dataset.dropping;
    if (!provider || !controls?.upload) return;
    const current = provider;
    void current.handleDrop(event).then((dropped) => {
      if (current !== provider || !controls?.upload) return;
      const files = dropped.filter((d) => d.file !== null && d.isDirectory !== true).map((d) => d.file as File);
      if (files.length < dropped.length) say('Folders are not uploaded; drop the files in them.');
      send(files);
    });
  });

  download.addEventListener('click', () => {
    const current = provider;
    if (!current || !controls?.download) return;
    const files = filesOnly(offered);
    say(`Downloading ${filesWord(files.map((f) => f.name))}…`);
    files.forEach((file) => {
      current.downloadFile(file, offered.indexOf(file)).completion.then(
        (blob) => saveAs(blob, file.name),
        () => undefined, // the provider's error event words it
      );
    });
  });

  return {
    attach(ui, allowed) {
      provider?.dispose();
      provider = undefined;
      offered = [];
      controls = allowed;
      if (!allowed.upload && !allowed.download) return;
      const next = new RdpFileTransferProvider({ chunkSize: 64 * 1024 });
      next.on('upload-progress', (p) =>
        say(`Copying ${p.fileName} to the desktop: ${Math.round(p.percentage)} % of ${size(p.totalBytes)}…`),
      );
      next.on('files-available', (files) => {
        offered = files;
        const wanted = filesOnly(files);
        download.hidden = !controls?.download || wanted.length === 0;
        if (controls?.download && wanted.length > 0)
          say(
            `${filesWord(wanted.map((f) => f.name))} copied in the desktop: Download saves ${wanted.length === 1 ? 'it' : 'them'} here.`,
          );
      });
      next.on('download-complete', (file) => say(`${file.name} is downloaded.`));
      next.on('error', (err) =>
        say(`${err.direction === 'download' ? 'A download' : 'An upload'} did not finish: ${err.message}.`),
      );
      // The two packages' typings disagree on a private field; the provider is what the element wants.
      ui.enableFileTransfer(next as unknown as FileTransferProvider);
      provider = next;
    },
    show(allowed) {
      upload.hidden = !allowed?.upload;
      download.hidden = !allowed?.download || filesOnly(offered).length === 0;
    },
  };
}

/** Hands `blob` to the browser as a download named `name`. */
function saveAs(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
