/**
 * JSON string helpers with gjson's exact edge cases: unescaping stops at the first invalid escape or raw
 * control character (as `tidwall/gjson` `unescape` does), and encoding escapes `<`, `>` and `&` the way
 * Go's `encoding/json` does.
 */

const HEX = '0123456789abcdef';

function hex4(code: number): string {
  return HEX[(code >> 12) & 0xf]! + HEX[(code >> 8) & 0xf]! + HEX[(code >> 4) & 0xf]! + HEX[code & 0xf]!;
}

/** Reads four hex digits like Go's `strconv.ParseUint(s, 16, 64)`: anything invalid reads as 0. */
function readHex4(s: string, at: number): number {
  const part = s.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(part) ? Number.parseInt(part, 16) : 0;
}

/** Unescapes the inside of a JSON string (no quotes), truncating where gjson gives up. */
export function unescapeJson(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 0x20) return out + s.slice(from, i);
    if (ch !== 0x5c) continue;
    out += s.slice(from, i);
    i++;
    if (i >= s.length) return out;
    switch (s[i]) {
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case '"':
        out += '"';
        break;
      case 'u': {
        if (i + 5 > s.length) return out;
        let code = readHex4(s, i + 1);
        i += 5;
        if (code >= 0xd800 && code < 0xe000) {
          // A surrogate needs its partner; an unpaired one decodes to U+FFFD, as Go's utf16/utf8 do.
          if (s.length - i >= 6 && s[i] === '\\' && s[i + 1] === 'u') {
            const low = readHex4(s, i + 2);
            code =
              code < 0xdc00 && low >= 0xdc00 && low < 0xe000
                ? 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
                : 0xfffd;
            i += 6;
          } else {
            code = 0xfffd;
          }
        }
        out += String.fromCodePoint(code);
        i--;
        break;
      }
      default:
        return out;
    }
    from = i + 1;
  }
  return out + s.slice(from);
}

/** Encodes a string as JSON like gjson's `AppendJSONString` (HTML characters escaped). */
export function jsonString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    let rep: string | undefined;
    if (ch < 0x20) {
      rep =
        ch === 8
          ? '\\b'
          : ch === 12
            ? '\\f'
            : ch === 10
              ? '\\n'
              : ch === 13
                ? '\\r'
                : ch === 9
                  ? '\\t'
                  : `\\u${hex4(ch)}`;
    } else if (ch === 0x3c || ch === 0x3e || ch === 0x26) {
      rep = `\\u${hex4(ch)}`;
    } else if (ch === 0x5c) {
      rep = '\\\\';
    } else if (ch === 0x22) {
      rep = '\\"';
    } else if (ch === 0x2028 || ch === 0x2029) {
      rep = `\\u${hex4(ch)}`;
    } else if (ch >= 0xd800 && ch < 0xe000) {
      // A lone surrogate cannot be UTF-8; Go writes the replacement character for invalid input.
      const next = s.charCodeAt(i + 1);
      if (ch < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
        i++;
        continue;
      }
      rep = '\\ufffd';
    }
    if (rep === undefined) continue;
    out += s.slice(from, i) + rep;
    from = i + 1;
  }
  return `${out}${s.slice(from)}"`;
}
