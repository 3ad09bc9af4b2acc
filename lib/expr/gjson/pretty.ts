/**
 * The `@pretty` and `@ugly` formatters, with the output of `tidwall/pretty` v1.2.0: arrays that fit within
 * `width` stay on one line, objects always break, keys optionally sorted. Widths count UTF-16 code units
 * where upstream counts bytes, which only differs for non-ASCII text near the width limit.
 */

/** Options of `@pretty:{...}`; the defaults are upstream's. */
export interface PrettyOptions {
  width: number;
  prefix: string;
  indent: string;
  sortKeys: boolean;
}

/** Upstream `pretty.DefaultOptions`. */
export const defaultPrettyOptions: PrettyOptions = { width: 80, prefix: '', indent: '  ', sortKeys: false };

interface Pair {
  kstart: number;
  kend: number;
  vstart: number;
  vend: number;
}

/** Mutable output shared by the recursive writers (upstream appends to one byte slice). */
interface Out {
  buf: string;
}

interface Step {
  i: number;
  nl: number;
  ok: boolean;
}

/** Removes every whitespace character outside strings. */
export function uglyJson(json: string): string {
  let out = '';
  let from = -1;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c <= 0x20) {
      if (from >= 0) {
        out += json.slice(from, i);
        from = -1;
      }
      continue;
    }
    if (from < 0) from = i;
    if (c === 0x22) {
      for (i = i + 1; i < json.length; i++) {
        if (json.charCodeAt(i) !== 0x22) continue;
        let j = i - 1;
        while (json.charCodeAt(j) === 0x5c) j--;
        if ((j - i) % 2 !== 0) break;
      }
    }
  }
  if (from >= 0) out += json.slice(from);
  return out;
}

function isNaNOrInf(json: string, i: number): boolean {
  const c = json[i];
  return c === 'i' || c === 'I' || c === '+' || c === 'N' || (c === 'n' && json[i + 1] !== 'u');
}

function appendString(out: Out, json: string, i: number, nl: number): Step {
  const s = i;
  i++;
  for (; i < json.length; i++) {
    if (json[i] !== '"') continue;
    let sc = 0;
    for (let j = i - 1; j > s && json[j] === '\\'; j--) sc++;
    if (sc % 2 === 1) continue;
    i++;
    break;
  }
  out.buf += json.slice(s, i);
  return { i, nl, ok: true };
}

function appendNumber(out: Out, json: string, i: number, nl: number): Step {
  const s = i;
  i++;
  for (; i < json.length; i++) {
    const c = json[i]!;
    if (c <= ' ' || c === ',' || c === ':' || c === ']' || c === '}') break;
  }
  out.buf += json.slice(s, i);
  return { i, nl, ok: true };
}

function appendTabs(out: Out, prefix: string, indent: string, tabs: number): void {
  out.buf += prefix + indent.repeat(tabs);
}

function jtype(v: string): number {
  if (v.length === 0) return 0;
  switch (v[0]) {
    case '"':
      return 3;
    case 'f':
      return 1;
    case 't':
      return 4;
    case 'n':
      return 0;
    case '[':
    case '{':
      return 5;
    default:
      return 2;
  }
}

function parseStr(v: string): string {
  for (let i = 1; i < v.length; i++) {
    if (v[i] === '\\') {
      try {
        const parsed: unknown = JSON.parse(v);
        return typeof parsed === 'string' ? parsed : '';
      } catch {
        return '';
      }
    }
    if (v[i] === '"') return v.slice(1, i);
  }
  return '';
}

function sortPairs(json: string, out: Out, pairs: Pair[]): void {
  if (pairs.length === 0) return;
  const buf = out.buf;
  const valueText = (p: Pair): string => {
    const key = json.slice(p.kstart, p.kend);
    let v = buf.slice(p.vstart, p.vend).trim();
    if (v.length >= key.length + 1) v = v.slice(key.length + 1).trim();
    return v;
  };
  const less = (a: string, b: string): boolean => {
    const ta = jtype(a);
    const tb = jtype(b);
    if (ta !== tb) return ta < tb;
    if (ta === 3) return parseStr(a) < parseStr(b);
    if (ta === 2) return Number(a) < Number(b);
    return a < b;
  };
  const compare = (a: Pair, b: Pair): number => {
    const ka = json.slice(a.kstart, a.kend);
    const kb = json.slice(b.kstart, b.kend);
    if (less(ka, kb)) return -1;
    if (less(kb, ka)) return 1;
    const va = valueText(a);
    const vb = valueText(b);
    if (less(va, vb)) return -1;
    if (less(vb, va)) return 1;
    return 0;
  };
  const sorted = [...pairs].sort(compare);
  if (sorted.every((p, k) => p === pairs[k])) return;
  const vstart = pairs[0]!.vstart;
  const joined = sorted.map((p) => buf.slice(p.vstart, p.vend)).join(',\n');
  out.buf = buf.slice(0, vstart) + joined;
}

function appendObject(
  out: Out,
  json: string,
  i: number,
  open: string,
  close: string,
  pretty: boolean,
  opts: PrettyOptions,
  indent: string,
  tabs: number,
  nl: number,
  max: number,
): Step {
  let sortKeys = opts.sortKeys;
  if (opts.width > 0) {
    if (pretty && open === '[' && max === -1) {
      // Try the whole array on one line first; keep it when it fits in the remaining width.
      const room = opts.width - (out.buf.length - nl);
      if (room > 3) {
        const s1 = out.buf.length;
        const step = appendObject(out, json, i, '[', ']', false, opts, '', 0, 0, room);
        if (step.ok && out.buf.length - s1 <= room) return { i: step.i, nl, ok: true };
        out.buf = out.buf.slice(0, s1);
      }
    } else if (max !== -1 && open === '{') {
      return { i, nl, ok: false };
    }
  }
  out.buf += open;
  i++;
  const pairs: Pair[] = [];
  let n = 0;
  for (; i < json.length; i++) {
    const c = json[i]!;
    if (c <= ' ') continue;
    if (c === close) {
      if (pretty) {
        if (open === '{' && sortKeys) sortPairs(json, out, pairs);
        if (n > 0) {
          nl = out.buf.length;
          if (out.buf.endsWith(' ')) {
            out.buf = `${out.buf.slice(0, -1)}\n`;
          } else {
            out.buf += '\n';
          }
        }
        if (!out.buf.endsWith(open)) appendTabs(out, opts.prefix, indent, tabs);
      }
      out.buf += close;
      return { i: i + 1, nl, ok: open !== '{' };
    }
    if (open === '[' || c === '"') {
      if (n > 0) {
        out.buf += ',';
        if (opts.width !== -1 && open === '[') out.buf += ' ';
      }
      const pair: Pair = { kstart: 0, kend: 0, vstart: 0, vend: 0 };
      if (pretty) {
        nl = out.buf.length;
        if (out.buf.endsWith(' ')) {
          out.buf = `${out.buf.slice(0, -1)}\n`;
        } else {
          out.buf += '\n';
        }
        if (open === '{' && sortKeys) {
          pair.kstart = i;
          pair.vstart = out.buf.length;
        }
        appendTabs(out, opts.prefix, indent, tabs + 1);
      }
      if (open === '{') {
        const step = appendString(out, json, i, nl);
        i = step.i;
        if (sortKeys) pair.kend = i;
        out.buf += pretty ? ': ' : ':';
      }
      const step = appendAny(out, json, i, pretty, opts, indent, tabs + 1, nl, max);
      i = step.i;
      nl = step.nl;
      if (max !== -1 && !step.ok) return { i, nl, ok: false };
      if (pretty && open === '{' && sortKeys) {
        pair.vend = out.buf.length;
        if (pair.kstart > pair.kend || pair.vstart > pair.vend) {
          sortKeys = false;
        } else {
          pairs.push(pair);
        }
      }
      i--;
      n++;
    }
  }
  return { i, nl, ok: open !== '{' };
}

function appendAny(
  out: Out,
  json: string,
  i: number,
  pretty: boolean,
  opts: PrettyOptions,
  indent: string,
  tabs: number,
  nl: number,
  max: number,
): Step {
  for (; i < json.length; i++) {
    const c = json[i]!;
    if (c <= ' ') continue;
    if (c === '"') return appendString(out, json, i, nl);
    if ((c >= '0' && c <= '9') || c === '-' || isNaNOrInf(json, i)) return appendNumber(out, json, i, nl);
    if (c === '{') return appendObject(out, json, i, '{', '}', pretty, opts, indent, tabs, nl, max);
    if (c === '[') return appendObject(out, json, i, '[', ']', pretty, opts, indent, tabs, nl, max);
    if (c === 't') {
      out.buf += 'true';
      return { i: i + 4, nl, ok: true };
    }
    if (c === 'f') {
      out.buf += 'false';
      return { i: i + 5, nl, ok: true };
    }
    if (c === 'n') {
      out.buf += 'null';
      return { i: i + 4, nl, ok: true };
    }
  }
  return { i, nl, ok: true };
}

/** Pretty-prints JSON text the way `@pretty` does (always ends with a newline when non-empty). */
export function prettyJson(json: string, opts: PrettyOptions = defaultPrettyOptions): string {
  const out: Out = { buf: opts.prefix };
  appendAny(out, json, 0, true, opts, opts.indent, 0, 0, -1);
  return out.buf.length > 0 ? `${out.buf}\n` : out.buf;
}
