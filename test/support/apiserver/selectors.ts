/**
 * Label selectors as kube-apiserver parses them (k8s.io/apimachinery/pkg/labels/selector.go): comma-separated
 * requirements, each `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists) or `!k` (absent).
 */

export type LabelPredicate = (labels: Record<string, string>) => boolean;

/** Splits on commas outside parentheses. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(text: string): LabelPredicate {
  const setMatch = /^([^\s!=]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (setMatch) {
    const [, key = '', op, list = ''] = setMatch;
    const values = new Set(list.split(',').map((v) => v.trim()));
    return op === 'in'
      ? (labels) => key in labels && values.has(labels[key] ?? '')
      : (labels) => !(key in labels) || !values.has(labels[key] ?? '');
  }
  const cmp = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (cmp) {
    const [, key = '', op, value = ''] = cmp;
    return op === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  const absent = /^!\s*(\S+)$/.exec(text);
  if (absent) {
    const key = absent[1] ?? '';
    return (labels) => !(key in labels);
  }
  if (/^\S+$/.test(text)) return (labels) => text in labels;
  throw new Error(`unable to parse requirement: ${text}`);
}

/** Compiles a selector; throws on a malformed one (the server answers 400 BadRequest). */
export function parseLabelSelector(selector: string): LabelPredicate {
  const requirements = splitRequirements(selector).map(parseRequirement);
  return (labels) => requirements.every((r) => r(labels));
}
