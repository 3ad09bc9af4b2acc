/**
 * The patch formats kube-apiserver accepts (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/):
 * JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge (here: merge, with lists of named
 * items such as `containers` merged by `name`) and server-side apply (here: treated as a merge).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386: objects merge recursively, `null` deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch as Json);
  const result: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Strategic merge: as merge patch, but lists whose items all have a `name` merge item by item. */
export function strategicMergePatch(target: unknown, patch: unknown): Json {
  if (Array.isArray(patch) && Array.isArray(target) && isNamedList(patch) && isNamedList(target)) {
    const merged = target.map((item) => structuredClone(item));
    for (const item of patch) {
      const index = merged.findIndex((m) => m.name === item.name);
      if (index >= 0) merged[index] = strategicMergePatch(merged[index], item) as JsonObject;
      else merged.push(structuredClone(item));
    }
    return merged;
  }
  if (!isObject(patch)) return structuredClone(patch as Json);
  const result: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = strategicMergePatch(result[key], value);
  }
  return result;
}

function isNamedList(list: unknown[]): list is JsonObject[] {
  return list.every((item) => isObject(item) && typeof item.name === 'string');
}

/** RFC 6901 pointer to path segments. */
function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`invalid JSON pointer ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: Json, segments: string[]): { parent: Json; key: string } {
  let parent = doc;
  for (const segment of segments.slice(0, -1)) {
    const next = Array.isArray(parent)
      ? parent[Number(segment)]
      : isObject(parent)
        ? parent[segment]
        : undefined;
    if (next === undefined) throw new Error(`path /${segments.join('/')} does not exist`);
    parent = next;
  }
  return { parent, key: segments.at(-1) ?? '' };
}

function read(doc: Json, segments: string[]): Json {
  if (segments.length === 0) return doc;
  const { parent, key } = parentOf(doc, segments);
  const value = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
  if (value === undefined) throw new Error(`path /${segments.join('/')} does not exist`);
  return value;
}

function remove(doc: Json, segments: string[]): void {
  const { parent, key } = parentOf(doc, segments);
  if (Array.isArray(parent) && Number(key) < parent.length) parent.splice(Number(key), 1);
  else if (isObject(parent) && key in parent) delete parent[key];
  else throw new Error(`path /${segments.join('/')} does not exist`);
}

function add(doc: Json, segments: string[], value: Json): Json {
  if (segments.length === 0) return value;
  const { parent, key } = parentOf(doc, segments);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!(index >= 0 && index <= parent.length)) throw new Error(`index ${key} out of range`);
    parent.splice(index, 0, value);
  } else if (isObject(parent)) parent[key] = value;
  else throw new Error(`path /${segments.join('/')} has no parent object`);
  return doc;
}

/** RFC 6902; throws on a malformed patch or a failed `test` (the server answers 422 or 400). */
export function jsonPatch(target: unknown, operations: unknown): Json {
  if (!Array.isArray(operations))
    throw new Error('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target as Json);
  for (const op of operations) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw new Error('invalid JSON patch operation');
    }
    const path = pointer(op.path);
    const value = (op.value ?? null) as Json;
    switch (op.op) {
      case 'add':
        doc = add(doc, path, structuredClone(value));
        break;
      case 'remove':
        remove(doc, path);
        break;
      case 'replace':
        read(doc, path);
        if (path.length === 0) doc = structuredClone(value);
        else {
          remove(doc, path);
          doc = add(doc, path, structuredClone(value));
        }
        break;
      case 'test':
        if (JSON.stringify(read(doc, path)) !== JSON.stringify(value))
          throw new Error(`test failed at ${op.path}`);
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw new Error(`${op.op} needs from`);
        const from = pointer(op.from);
        const moved = structuredClone(read(doc, from));
        if (op.op === 'move') remove(doc, from);
        doc = add(doc, path, moved);
        break;
      }
      default:
        throw new Error(`unexpected kind of operation ${op.op}`);
    }
  }
  return doc;
}
