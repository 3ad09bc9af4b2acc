/**
 * Strict JSON validation with the same acceptance as gjson's `Valid` (RFC 8259 grammar, whitespace
 * limited to space, tab, CR and LF). Iterative over containers so deep nesting cannot overflow the stack.
 */

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** Index after a valid string whose opening quote is at `i - 1`, or -1. */
function validString(s: string, i: number): number {
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) return -1;
    if (c === 0x22) return i + 1;
    if (c !== 0x5c) continue;
    i++;
    if (i >= s.length) return -1;
    const e = s[i];
    if (e === 'u') {
      if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) return -1;
      i += 4;
    } else if (!'"\\/bfnrt'.includes(e!)) {
      return -1;
    }
  }
  return -1;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Index after a valid scalar starting at `i`, or -1. */
function validScalar(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return validString(s, i + 1);
  if (c === 't') return s.startsWith('true', i) ? i + 4 : -1;
  if (c === 'f') return s.startsWith('false', i) ? i + 5 : -1;
  if (c === 'n') return s.startsWith('null', i) ? i + 4 : -1;
  if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
    NUMBER.lastIndex = i;
    return NUMBER.test(s) ? NUMBER.lastIndex : -1;
  }
  return -1;
}

/** True when `json` is one valid JSON value surrounded only by whitespace. */
export function validJson(json: string): boolean {
  // Each stack entry is the closing character we expect for an open container.
  const stack: string[] = [];
  let i = skipWs(json, 0);
  for (;;) {
    // Expect a value.
    i = skipWs(json, i);
    const c = json[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i = skipWs(json, i + 1);
      if (json[i] === close) {
        i++;
      } else {
        stack.push(close);
        if (close === '}') {
          if (json[i] !== '"') return false;
          i = validString(json, i + 1);
          if (i < 0) return false;
          i = skipWs(json, i);
          if (json[i] !== ':') return false;
          i++;
        }
        continue;
      }
    } else {
      i = validScalar(json, i);
      if (i < 0) return false;
    }
    // After a value: close containers or move to the next member.
    for (;;) {
      i = skipWs(json, i);
      const top = stack[stack.length - 1];
      if (top === undefined) return i === json.length;
      const d = json[i];
      if (d === top) {
        stack.pop();
        i++;
        continue;
      }
      if (d !== ',') return false;
      i = skipWs(json, i + 1);
      if (top === '}') {
        if (json[i] !== '"') return false;
        i = validString(json, i + 1);
        if (i < 0) return false;
        i = skipWs(json, i);
        if (json[i] !== ':') return false;
        i++;
      }
      break;
    }
  }
}
