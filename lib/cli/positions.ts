/** Finds where a field of a loaded manifest is written, so lints point at a line and column like load errors do. */
import { readFileSync } from 'node:fs';
import { type Document, isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';

/** A position in a file (1-based). */
export interface Position {
  line: number;
  column: number;
}

interface ParsedFile {
  docs: Document[];
  lines: LineCounter;
}

/** Field path segments: map keys and sequence indexes. */
export type FieldPath = readonly (string | number)[];

/** Formats a field path as load errors do: `spec.dependencies[0].filters.data[1].value[0]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** Locates fields of manifests by kind, name and path; parses each file once, lazily. */
export class ManifestLocator {
  private readonly files = new Map<string, ParsedFile | undefined>();

  constructor(private readonly read: (file: string) => string = (file) => readFileSync(file, 'utf8')) {}

  private parsed(file: string): ParsedFile | undefined {
    if (!this.files.has(file)) {
      try {
        const lines = new LineCounter();
        const docs = parseAllDocuments(this.read(file), { lineCounter: lines });
        this.files.set(file, { docs: Array.isArray(docs) ? docs : [], lines });
      } catch {
        this.files.set(file, undefined);
      }
    }
    return this.files.get(file);
  }

  /** Where `path` of the manifest `kind`/`name` in `file` starts; the closest existing parent otherwise. */
  locate(file: string, kind: string, name: string, path: FieldPath): Position {
    const parsed = this.parsed(file);
    const doc = parsed?.docs.find((d) => {
      const root = d.contents;
      if (!isMap(root)) return false;
      return d.getIn(['kind']) === kind && d.getIn(['metadata', 'name']) === name;
    });
    if (!parsed || !doc) return { line: 1, column: 1 };
    for (let length = path.length; length >= 0; length--) {
      const node = doc.getIn(path.slice(0, length), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (node !== undefined && range) {
        const { line, col } = parsed.lines.linePos(range[0]);
        return { line, column: col };
      }
      if (isScalar(node)) break;
    }
    const { line, col } = parsed.lines.linePos(doc.contents?.range?.[0] ?? 0);
    return { line, column: col };
  }
}
