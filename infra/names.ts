/**
 * Names the deployment gives things: osls function keys and CloudFormation logical ids (osls's own
 * normalisation, so the plugin can reference `<Key>LambdaFunction`), and AWS names within their limits.
 */
import { createHash } from 'node:crypto';

/** A short stable digest, to keep long or colliding names unique. */
export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** `github-build-sensor` → `GithubBuildSensor`: a CloudFormation-safe (alphanumeric) part of a logical id. */
export function pascal(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((word) => word !== '');
  const joined = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
  return joined === '' ? `X${shortHash(name)}` : joined;
}

/**
 * osls's logical id of a function key (`naming.getNormalizedFunctionName`): `-` → `Dash`, `_` →
 * `Underscore`, first letter upper case.
 */
export function functionLogicalPrefix(key: string): string {
  const normalized = key.replaceAll('-', 'Dash').replaceAll('_', 'Underscore');
  return normalized.charAt(0).toUpperCase() + normalized.slice(1);
}

/** The `AWS::Lambda::Function` logical id osls gives a function key. */
export function functionLogicalId(key: string): string {
  return `${functionLogicalPrefix(key)}LambdaFunction`;
}

/** Fits `name` in `max` characters, replacing its tail with a digest of the whole when it is longer. */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = shortHash(name);
  return `${name.slice(0, max - hash.length - 1)}-${hash}`;
}

/** Lambda function names: 64 characters of `A-Z a-z 0-9 - _`. */
export function lambdaName(name: string): string {
  return fitName(name.replace(/[^A-Za-z0-9_-]/g, '_'), 64);
}

/**
 * Gives each name a distinct logical-id part: `pascal(name)`, with a digest appended when two names
 * (`a-b`, `a.b`) would otherwise meet.
 */
export function distinctParts(names: readonly string[]): Map<string, string> {
  const counts = new Map<string, number>();
  for (const name of new Set(names)) counts.set(pascal(name), (counts.get(pascal(name)) ?? 0) + 1);
  return new Map(
    [...new Set(names)].map((name) => {
      const part = pascal(name);
      return [name, (counts.get(part) ?? 0) > 1 ? `${part}${shortHash(name)}` : part];
    }),
  );
}
