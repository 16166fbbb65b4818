// "Paste text" on the console types keysyms: the mapping from text follows X11's rules.
import { describe, expect, it } from 'vitest';
import { keysymOf, MAX_PASTE, textToKeysyms, XK_RETURN, XK_TAB } from '../src/portal/web/keysyms.js';

describe('text as keysyms', () => {
  it('types ASCII and Latin-1 as themselves', () => {
    expect(textToKeysyms('Az 9~')).toEqual([0x41, 0x7a, 0x20, 0x39, 0x7e]);
    expect(keysymOf('é')).toBe(0xe9);
    expect(keysymOf('\u00a0')).toBe(0xa0);
  });

  it('types other Unicode as 0x01000000 + its code point, astral characters whole', () => {
    expect(keysymOf('€')).toBe(0x010020ac);
    expect(keysymOf('ł')).toBe(0x01000142);
    expect(textToKeysyms('😀')).toEqual([0x01000000 + 0x1f600]);
  });

  it('turns every kind of line end into one Return, a tab into Tab, and drops other control characters', () => {
    expect(textToKeysyms('a\nb\r\nc\rd')).toEqual([0x61, XK_RETURN, 0x62, XK_RETURN, 0x63, XK_RETURN, 0x64]);
    expect(textToKeysyms('a\tb')).toEqual([0x61, XK_TAB, 0x62]);
    expect(textToKeysyms('a\u0007\u001bb\u007f\u0085')).toEqual([0x61, 0x62]);
  });

  it('types at most MAX_PASTE characters', () => {
    expect(textToKeysyms('x'.repeat(MAX_PASTE + 5))).toHaveLength(MAX_PASTE);
  });
});
