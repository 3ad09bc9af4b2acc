/**
 * Trigger `conditions` (semantics §4.1): a boolean expression of dependency names with `&&`, `||` and
 * parentheses. Names resolve with `-` read as `_`, as upstream. No conditions means all dependencies.
 */
import { ErrorCode, OutriggerError } from '../errors.ts';

type Node = { kind: 'name'; name: string } | { kind: 'and' | 'or'; left: Node; right: Node };

/** A compiled condition: the dependency names it uses and an evaluator over the set that is satisfied. */
export interface Condition {
  /** Dependency names (as declared) in expression order, without repeats. */
  readonly dependencies: readonly string[];
  /** True when the expression contains `&&`: only then events wait for each other. */
  readonly needsState: boolean;
  evaluate(satisfied: ReadonlySet<string>): boolean;
}

const normalise = (name: string) => name.replaceAll('-', '_');

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(&&|\|\||\(|\)|[A-Za-z0-9_.-]+|\S)/gy;
  let match: RegExpExecArray | null = re.exec(text);
  while (match) {
    tokens.push(match[1]!);
    match = re.exec(text);
  }
  return tokens;
}

/** Parses and resolves a conditions expression against the sensor's dependency names. */
export function compileCondition(
  conditions: string | undefined,
  dependencyNames: readonly string[],
): Condition {
  const byNormalised = new Map(dependencyNames.map((name) => [normalise(name), name]));
  if (!conditions || conditions.trim() === '') {
    const all = [...dependencyNames];
    return {
      dependencies: all,
      needsState: all.length > 1,
      evaluate: (satisfied) => all.every((name) => satisfied.has(name)),
    };
  }
  const tokens = tokenize(conditions);
  let pos = 0;
  const used: string[] = [];
  const fail = (message: string): never => {
    throw new OutriggerError(ErrorCode.ExpressionInvalid, `conditions "${conditions}": ${message}`);
  };
  const primary = (): Node => {
    const token = tokens[pos++];
    if (token === undefined) return fail('unexpected end of expression');
    if (token === '(') {
      const node = or();
      if (tokens[pos++] !== ')') fail('missing ")"');
      return node;
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(token)) return fail(`unexpected "${token}" (only &&, || and parentheses)`);
    const name = byNormalised.get(normalise(token));
    if (name === undefined) {
      return fail(`"${token}" is not a dependency of this sensor (have: ${dependencyNames.join(', ')})`);
    }
    if (!used.includes(name)) used.push(name);
    return { kind: 'name', name };
  };
  const and = (): Node => {
    let left = primary();
    while (tokens[pos] === '&&') {
      pos++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (tokens[pos] === '||') {
      pos++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const root = or();
  if (pos < tokens.length) fail(`unexpected "${tokens[pos]}"`);
  const evaluate = (node: Node, satisfied: ReadonlySet<string>): boolean =>
    node.kind === 'name'
      ? satisfied.has(node.name)
      : node.kind === 'and'
        ? evaluate(node.left, satisfied) && evaluate(node.right, satisfied)
        : evaluate(node.left, satisfied) || evaluate(node.right, satisfied);
  return {
    dependencies: used,
    needsState: conditions.includes('&&'),
    evaluate: (satisfied) => evaluate(root, satisfied),
  };
}
