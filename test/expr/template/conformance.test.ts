import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileRegex } from '../../../lib/expr/regex.ts';
import { compileTemplate } from '../../../lib/expr/template/index.ts';
import { sharedPath } from '../../support/shared.ts';

interface Vector {
  id: string;
  data?: Record<string, unknown>;
  spec?: {
    data?: { path: string; type: string; value: string[]; comparator?: string; template?: string }[];
    src?: { dataTemplate?: string; contextTemplate?: string; dataKey?: string; value?: string };
  };
  expect: { pass?: boolean; value?: string };
}

const vectors = parse(readFileSync(sharedPath('conformance/argo-vectors.yaml'), 'utf8')) as Vector[];

// The event upstream's params_test.go fires for "fake-dependency".
const EVENT_DATA = { name: { first: 'fake', last: 'user' } };
const EVENT_CONTEXT = {
  id: '1',
  source: 'webhook-gateway',
  subject: 'example-1',
  type: 'webhook',
  specversion: '1.0',
};

/** Argo's getValueWithTemplate: an error, empty output or exactly `<no value>` means "no value". */
function templateValue(text: string, input: unknown): string | undefined {
  try {
    const out = compileTemplate(text, { name: 'param' }).execute({ Input: input });
    return out === '' || out === '<no value>' ? undefined : out;
  } catch {
    return undefined;
  }
}

const dataFilterVectors = vectors.filter((v) => v.spec?.data?.some((f) => f.template !== undefined));
const paramVectors = vectors.filter(
  (v) => v.spec?.src?.dataTemplate !== undefined || v.spec?.src?.contextTemplate !== undefined,
);

describe('data-filter template vectors', () => {
  it('finds the template vectors in the conformance file', () => {
    expect(dataFilterVectors.map((v) => v.id)).toEqual(['DF-23', 'DF-24', 'DF-25', 'DF-26']);
  });

  it.each(dataFilterVectors.map((v) => [v.id, v] as const))(
    '%s: the template output decides the filter',
    (_id, v) => {
      // Prepare: .Input is the string form of the value at the filter's path (reference §3.3 item 4).
      const f = v.spec?.data?.[0];
      if (f?.template === undefined) throw new Error('vector without template');
      const input = String(v.data?.[f.path]);
      // Act
      const out = templateValue(f.template, input);
      // Assess: apply the comparison of §3.3 item 5 to the template's output.
      expect(out).toBeDefined();
      const comparator = f.comparator ?? '=';
      let pass: boolean;
      if (f.type === 'number') {
        const n = Number(out);
        pass = f.value.some((x) => (comparator === '>' ? n > Number(x) : n === Number(x)));
      } else {
        const matches = f.value.some((x) => compileRegex(x).test(out as string));
        pass = comparator === '!=' ? !matches : matches;
      }
      expect(pass).toBe(v.expect.pass);
    },
  );
});

describe('trigger parameter template vectors', () => {
  it('finds the template vectors in the conformance file', () => {
    expect(paramVectors.map((v) => v.id)).toEqual([
      'PR-06',
      'PR-07',
      'PR-08',
      'PR-09',
      'PR-10',
      'PR-11',
      'PR-12',
    ]);
  });

  it.each(paramVectors.map((v) => [v.id, v] as const))('%s resolves as upstream', (_id, v) => {
    // Prepare
    const src = v.spec?.src ?? {};
    // Act: the data template wins over the context template; a failed template falls back to dataKey.
    let value: string | undefined;
    if (src.dataTemplate !== undefined) value = templateValue(src.dataTemplate, EVENT_DATA);
    else if (src.contextTemplate !== undefined) value = templateValue(src.contextTemplate, EVENT_CONTEXT);
    if (value === undefined && src.dataKey === 'name.first') value = EVENT_DATA.name.first;
    // Assess
    expect(value).toBe(v.expect.value);
  });

  it('makes PR-11 and PR-12 fall back because the template yields no value', () => {
    expect(templateValue('{{ .Input.name.non_exist }}', EVENT_DATA)).toBeUndefined();
    expect(() => compileTemplate('{{ no }}')).toThrowError('function "no" not defined');
  });
});
