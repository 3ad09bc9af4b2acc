import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapePathComponent, get } from '../../lib/expr/gjson.ts';
import { set } from '../../lib/expr/sjson.ts';

const pathChars = fc.constantFrom(...'ab.|#@*?!\\[]{}()"=<>%~:,0123456789 -'.split(''));
const junkPath = fc.array(pathChars, { maxLength: 30 }).map((cs) => cs.join(''));
// Empty keys are left out: an empty path component is degenerate in gjson's syntax (`a..b`).
const key = fc.string({ minLength: 1, maxLength: 8 });
const json = fc.json({ maxDepth: 4 });

/** Walks a JS value along keys the way a JS property access would. */
function walk(value: unknown, keys: string[]): unknown {
  let cur = value;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      // gjson indexes arrays by a number key as Go's Atoi reads it (`00` is 0); `length` is no JSON member.
      if (!/^\d+$/.test(k)) return undefined;
      cur = cur[Number(k)];
      continue;
    }
    if (!Object.hasOwn(cur, k)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

describe('gjson properties', () => {
  it('never throws on arbitrary text and paths', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), junkPath, (text, path) => {
        const res = get(text, path);
        res.string();
        res.float();
        res.bool();
        res.value();
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on real JSON with query-like paths', () => {
    fc.assert(
      fc.property(json, junkPath, (doc, path) => {
        const res = get(doc, path);
        res.string();
        res.value();
      }),
      { numRuns: 2000 },
    );
  });

  it('finds what a JS property access finds, for escaped dot paths into objects', () => {
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.oneof(
          fc.string(),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.boolean(),
          fc.constant(null),
        ),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
        fc.array(tie('node'), { maxLength: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(
        fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 }),
        fc.array(key, { minLength: 1, maxLength: 3 }),
        (obj, extra) => {
          const keys = [...Object.keys(obj).slice(0, 1), ...extra];
          for (let n = 1; n <= keys.length; n++) {
            const prefix = keys.slice(0, n);
            // gjson treats a numeric key into an array as an index; JS does too, so both agree.
            const path = prefix.map(escapePathComponent).join('.');
            const want = walk(obj, prefix);
            const got = get(JSON.stringify(obj), path).value();
            if (want === undefined) expect(got).toBeUndefined();
            else expect(got).toEqual(JSON.parse(JSON.stringify(want)));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reads back what sjson wrote, for simple paths', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const segment = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,6}$/);
    fc.assert(
      fc.property(
        fc.json({ maxDepth: 3 }),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        leaf,
        (doc, segments, value) => {
          const start = doc.trim().startsWith('{') ? doc : '{}';
          const path = segments.join('.');
          let out: string;
          try {
            out = set(start, path, value);
          } catch {
            // A path through an existing array with a non-numeric key is refused, as upstream does.
            return;
          }
          // Go writes -0 as `-0`, so even the sign of zero survives the round trip.
          expect(get(out, path).value()).toEqual(value);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('keeps the document valid JSON after writes into fresh structures', () => {
    const segment = fc.oneof(fc.stringMatching(/^[a-z]{1,4}$/), fc.integer({ min: 0, max: 3 }).map(String));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.string(), (segments, value) => {
        const path = segments.join('.');
        const out = set('', path, value);
        expect(() => JSON.parse(out)).not.toThrow();
        expect(get(out, path).string()).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });
});
