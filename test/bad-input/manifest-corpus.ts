/** Reads the manifest half of the bad-input corpus (test/fixtures/bad/manifests.yaml) into documents. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { Expectation } from './corpus.ts';
import { corpusDir } from './corpus.ts';

interface ManifestCaseSource {
  name: string;
  kind?: string;
  text?: string;
  /** Dotted path → value; null removes the key. */
  set?: Record<string, unknown>;
  each?: (string | number | boolean)[];
  expect: Expectation;
}

export interface ManifestCase {
  name: string;
  text: string;
  expect: Expectation;
}

/** `{}` replaced by `value` in strings and keys; a value that is exactly `{}` takes the raw value's type. */
function fill(value: unknown, raw: string | number | boolean | undefined): unknown {
  if (raw === undefined) return value;
  if (value === '{}') return raw;
  if (typeof value === 'string') return value.replaceAll('{}', String(raw));
  if (Array.isArray(value)) return value.map((x) => fill(x, raw));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, x]) => [k.replaceAll('{}', String(raw)), fill(x, raw)]),
    );
  }
  return value;
}

function setPath(doc: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node: Record<string, unknown> = doc;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  const last = parts.at(-1)!;
  if (value === null) delete node[last];
  else node[last] = value;
}

interface CorpusFile {
  bases: Record<string, string>;
  cases: ManifestCaseSource[];
}

function readCorpus(): CorpusFile {
  return parse(readFileSync(path.join(corpusDir, 'manifests.yaml'), 'utf8')) as CorpusFile;
}

/** Every manifest case, `each` expanded, as YAML text ready for the loader. */
export function manifestCases(): ManifestCase[] {
  const file = readCorpus();
  return file.cases.flatMap((source) =>
    (source.each ?? [undefined]).map((raw) => {
      const name = raw === undefined ? source.name : source.name.replaceAll('{}', JSON.stringify(raw));
      let text: string;
      if (source.text !== undefined) {
        text = raw === undefined ? source.text : source.text.replaceAll('{}', String(raw));
      } else {
        const base = file.bases[source.kind ?? ''];
        if (base === undefined) throw new Error(`case ${source.name}: unknown base ${source.kind}`);
        const doc = parse(base) as Record<string, unknown>;
        const set = fill(source.set ?? {}, raw) as Record<string, unknown>;
        for (const [key, value] of Object.entries(set)) setPath(doc, key, value);
        text = stringify(doc);
      }
      return { name, text, expect: source.expect };
    }),
  );
}

/** The valid documents the cases patch. */
manifestCases.bases = (): string[] => Object.values(readCorpus().bases);
