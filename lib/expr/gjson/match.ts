/**
 * Wildcard matching as `tidwall/match` `MatchLimit`: `*` matches any run of characters, `?` exactly one,
 * `\` escapes the next character. The work is capped (like upstream's `maxcomp`) so a hostile pattern
 * cannot hang the sensor.
 */

const STAR = 42;
const QMARK = 63;
const BSLASH = 92;

const Outcome = { NoMatch: 0, Match: 1, Stop: 2 } as const;
type Outcome = (typeof Outcome)[keyof typeof Outcome];

interface Budget {
  used: number;
  max: number;
}

function toCodePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}

/** Matches and trims literal suffix characters after a leading `*` (upstream `matchTrimSuffix`). */
function trimSuffix(
  str: number[],
  sEnd: number,
  pat: number[],
  pStart: number,
  pEnd: number,
): [number, number, boolean] {
  let ok = true;
  while (sEnd > 0 && pEnd - pStart > 1) {
    const pc = pat[pEnd - 1]!;
    let width = 1;
    let escaped = false;
    for (let i = 0; ; i++) {
      const at = pEnd - width - i - 1;
      if (at < 0 || pat[at] !== BSLASH) {
        if ((i & 1) === 1) {
          escaped = true;
          width++;
        }
        break;
      }
    }
    if (pc === STAR && !escaped) {
      ok = true;
      break;
    }
    const sc = str[sEnd - 1]!;
    if (!((pc === QMARK && !escaped) || pc === sc)) {
      ok = false;
      break;
    }
    sEnd--;
    pEnd -= width;
  }
  return [sEnd, pEnd, ok];
}

function run(
  str: number[],
  s0: number,
  sEnd0: number,
  pat: number[],
  p0: number,
  pEnd0: number,
  budget: Budget,
): Outcome {
  if (budget.used > budget.max) return Outcome.Stop;
  budget.used++;
  let s = s0;
  let sEnd = sEnd0;
  let p = p0;
  let pEnd = pEnd0;
  while (p < pEnd) {
    let wild = false;
    let pc = pat[p]!;
    const haveChar = s < sEnd;
    const sc = haveChar ? str[s]! : -1;
    if (pc === QMARK) {
      if (!haveChar) return Outcome.NoMatch;
    } else if (pc === STAR) {
      while (pEnd - p > 1 && pat[p + 1] === STAR) p++;
      if (pEnd - p === 1) return Outcome.Match;
      let ok: boolean;
      [sEnd, pEnd, ok] = trimSuffix(str, sEnd, pat, p, pEnd);
      if (!ok) return Outcome.NoMatch;
      if (pEnd - p === 1) return Outcome.Match;
      const r = run(str, s, sEnd, pat, p + 1, pEnd, budget);
      if (r !== Outcome.NoMatch) return r;
      if (!haveChar || s >= sEnd) return Outcome.NoMatch;
      wild = true;
    } else {
      if (!haveChar) return Outcome.NoMatch;
      if (pc === BSLASH) {
        p++;
        if (p >= pEnd) return Outcome.NoMatch;
        pc = pat[p]!;
      }
      if (sc !== pc) return Outcome.NoMatch;
    }
    s++;
    if (!wild) p++;
  }
  return s >= sEnd ? Outcome.Match : Outcome.NoMatch;
}

/** True when `str` matches the wildcard `pattern`; false when it does not or the work cap is hit. */
export function matchLimit(str: string, pattern: string, maxComplexity = 10_000): boolean {
  if (pattern === '*') return true;
  const s = toCodePoints(str);
  const p = toCodePoints(pattern);
  const budget: Budget = { used: 0, max: s.length * maxComplexity };
  return run(s, 0, s.length, p, 0, p.length, budget) === Outcome.Match;
}
