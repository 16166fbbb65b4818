// Text as X11 keysyms, for "Paste text": the console types it key by key (VNC has no paste a guest
// without an agent would see). Pure, so the unit tests run it in Node.
//
// X11's rules (keysymdef.h, and Appendix A of the X protocol): Latin-1 characters are their own
// keysyms; other Unicode characters are 0x01000000 + their code point; Return and Tab are
// function keys. Other control characters have no key and are left out.

export const XK_RETURN = 0xff0d;
export const XK_TAB = 0xff09;

/** At most this many characters are typed from one paste: more is surely a mistake. */
export const MAX_PASTE = 10_000;

export function keysymOf(char: string): number | undefined {
  const cp = char.codePointAt(0);
  if (cp === undefined) return undefined;
  if (char === '\n' || char === '\r') return XK_RETURN;
  if (char === '\t') return XK_TAB;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return undefined;
  if (cp <= 0xff) return cp;
  return 0x01000000 + cp;
}

/** The keysyms to type `text`; a Windows line end (CR LF) is one Return. */
export function textToKeysyms(text: string): number[] {
  const keys: number[] = [];
  for (const char of text.replace(/\r\n/g, '\n').slice(0, MAX_PASTE)) {
    const key = keysymOf(char);
    if (key !== undefined) keys.push(key);
  }
  return keys;
}
