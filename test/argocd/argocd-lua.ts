// Runs an Argo CD health script as Argo CD does (util/lua/lua.go): a fresh Lua state with only the
// base, table and package libraries, the live object as the global `obj` (JSON objects and arrays
// as tables, null as nil), the script run as a chunk, and the table it returns read as
// {status, message}. Argo CD's Lua is gopher-lua (5.1); this is Lua 5.4 (wasmoon), so
// `lua51Problems` also refuses what 5.4 accepts and 5.1 does not.
import { LuaFactory, LuaLibraries } from 'wasmoon';

export const HEALTH_STATUSES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;

export interface Health {
  status: string;
  message?: string;
}

let factory: LuaFactory | undefined;

export async function runHealthScript(script: string, obj: unknown): Promise<Health> {
  factory ??= new LuaFactory();
  const lua = await factory.createEngine({ openStandardLibs: false });
  try {
    // What Argo CD opens when useOpenLibs is off (its "safe" os library aside: no script here
    // uses it). Without the string library, string methods fail too, as in Argo CD.
    for (const lib of [LuaLibraries.Base, LuaLibraries.Table, LuaLibraries.Package]) lua.global.loadLibrary(lib);
    await lua.doString(`obj = ${toLua(obj)}`);
    const result: unknown = await lua.doString(script);
    if (result === null || typeof result !== 'object') {
      throw new Error(`the script returned ${String(result)}, not a table`);
    }
    const { status, message } = result as Record<string, unknown>;
    if (!HEALTH_STATUSES.includes(status as (typeof HEALTH_STATUSES)[number])) {
      throw new Error(`the script returned an invalid health status ${String(status)}`);
    }
    if (message !== undefined && typeof message !== 'string') throw new Error('hs.message is not a string');
    return message === undefined ? { status: status as string } : { status: status as string, message };
  } finally {
    lua.global.close();
  }
}

/**
 * A Lua expression building `value` as Argo CD's decodeValue does: objects and arrays become
 * tables (arrays from index 1), null becomes nil. Integers stay integers, as JSON numbers print
 * without a fraction in gopher-lua.
 */
export function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a JSON number: ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return luaString(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `[${luaString(k)}] = ${toLua(v)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`cannot pass a ${typeof value} to Lua`);
}

function luaString(text: string): string {
  // Decimal escapes for quotes, backslashes and control characters: the same in every Lua.
  const escaped = [...text]
    .map((ch) => {
      const code = ch.codePointAt(0) as number;
      return ch === '"' || ch === '\\' || code < 32 || code === 127 ? `\\${String(code).padStart(3, '0')}` : ch;
    })
    .join('');
  return `"${escaped}"`;
}

/**
 * What a script must not use because Argo CD's Lua (gopher-lua, Lua 5.1, base/table/package only)
 * lacks it, found in its code with comments and strings removed. Lua 5.4 would run it and hide the
 * problem from the tests.
 */
export function lua51Problems(script: string): string[] {
  const code = stripCommentsAndStrings(script);
  const rules: [RegExp, string][] = [
    [/\/\//, 'integer division (//) is Lua 5.3'],
    [/\bgoto\b|::/, 'goto and labels are Lua 5.2'],
    [/<\s*(const|close)\s*>/, 'attributes (<const>, <close>) are Lua 5.4'],
    [/&|\||~(?!=)|<<|>>/, 'bitwise operators are Lua 5.3'],
    [/\b(string|math|utf8|io|os|debug|coroutine)\s*\./, 'Argo CD opens only the base, table and package libraries'],
    [/:\s*[A-Za-z_]\w*\s*\(/, 'method calls (e.g. on strings) need libraries Argo CD does not open'],
  ];
  return rules.filter(([pattern]) => pattern.test(code)).map(([, why]) => why);
}

/** The script with comments blanked and string literals emptied, scanned as Lua's lexer does. */
function stripCommentsAndStrings(script: string): string {
  let out = '';
  let i = 0;
  const opening = /\[(=*)\[/y;
  const longBracket = (at: number) => {
    opening.lastIndex = at;
    return opening.exec(script);
  };
  const skipLong = (at: number, level: string) => {
    const end = script.indexOf(`]${level}]`, at);
    if (end < 0) throw new Error('unfinished long string or comment');
    return end + level.length + 2;
  };
  while (i < script.length) {
    const ch = script[i] as string;
    if (script.startsWith('--', i)) {
      const long = longBracket(i + 2);
      if (long) i = skipLong(i + 2 + long[0].length, long[1] as string);
      else while (i < script.length && script[i] !== '\n') i++;
      out += ' ';
    } else if (ch === '"' || ch === "'") {
      i++;
      while (i < script.length && script[i] !== ch) {
        if (script[i] === '\n') throw new Error('unfinished string');
        i += script[i] === '\\' ? 2 : 1;
      }
      i++;
      out += '""';
    } else if (longBracket(i)) {
      const long = longBracket(i) as RegExpExecArray;
      i = skipLong(i + long[0].length, long[1] as string);
      out += '""';
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
