/**
 * Lua for `filters.script` and `transform.script` (semantics §3.7, §3.8), run on wasmoon (Lua 5.4 in
 * WebAssembly) and loaded by dynamic import only when a manifest has a script. Upstream runs gopher-lua
 * (Lua 5.1); the event is handed over exactly as its `mapToTable` does (JSON nulls and arrays nested in
 * arrays are dropped) and a returned table comes back as its `toGoValue` does (`__is_array` metatable,
 * `MaxN` decides array or object), per argoproj/argo-events: pkg/sensors/dependencies/transform.go.
 *
 * Differences kept on purpose: a script runs at most `SCRIPT_TIMEOUT_MS` and may not touch files, the
 * process or the environment (`io`, `os.execute`, `os.getenv`, `dofile`... are removed), since one stuck
 * or hostile script would otherwise stall every event of the sensor.
 */
import type { LuaEngine } from 'wasmoon';
import { ExpressionError } from '../../errors.ts';

/** Longest a script may run on one event before it fails. */
export const SCRIPT_TIMEOUT_MS = 1000;
/** Most memory the Lua heap may use. */
const SCRIPT_MEMORY_BYTES = 64 * 1024 * 1024;

// The runner lives in the Lua state; `event` is built from a table constructor made by `toLuaLiteral`.
// Each script runs in a fresh environment whose misses fall through to the standard library, so globals a
// script sets never leak into the next event.
const PRELUDE = `
local load, pack, setmetatable, getmetatable, type, error, pairs, tostring = load, table.pack, setmetatable, getmetatable, type, error, pairs, tostring
local mtype, format, sort, concat, byte, gsub = math.type, string.format, table.sort, table.concat, string.byte, string.gsub
io = nil; dofile = nil; loadfile = nil; require = nil; package = nil; debug = nil
os.execute = nil; os.exit = nil; os.remove = nil; os.rename = nil; os.tmpname = nil; os.getenv = nil

local escapes = { ['"'] = '\\\\"', ['\\\\'] = '\\\\\\\\', ['\\n'] = '\\\\n', ['\\r'] = '\\\\r', ['\\t'] = '\\\\t' }
local function quote(s)
  return '"' .. gsub(s, '[%c"\\\\]', function(c) return escapes[c] or format('\\\\u%04x', byte(c)) end) .. '"'
end

-- gopher-lua's LTable.MaxN, approximated as the largest positive integer key.
local function maxn(t)
  local n = 0
  for k in pairs(t) do
    if mtype(k) == 'integer' and k > n then n = k end
  end
  return n
end

local tojson
local function array(t, n)
  local out = {}
  for i = 1, n do out[i] = tojson(t[i]) end
  return '[' .. concat(out, ',') .. ']'
end
tojson = function(v)
  local kind = type(v)
  if v == nil then return 'null' end
  if kind == 'boolean' then return tostring(v) end
  if kind == 'string' then return quote(v) end
  if kind == 'number' then
    if mtype(v) == 'integer' then return format('%d', v) end
    if v ~= v or v == math.huge or v == -math.huge then error('json: unsupported value: ' .. tostring(v), 0) end
    return format('%.17g', v)
  end
  if kind == 'table' then
    local mt = getmetatable(v)
    local n = maxn(v)
    if type(mt) == 'table' and rawget(mt, '__is_array') == true then return array(v, n) end
    if n > 0 then return array(v, n) end
    local keys, byKey = {}, {}
    for k, value in pairs(v) do
      local key = tostring(k)
      keys[#keys + 1] = key
      byKey[key] = value
    end
    sort(keys)
    local out = {}
    for i, key in ipairs(keys) do out[i] = quote(key) .. ':' .. tojson(byKey[key]) end
    return '{' .. concat(out, ',') .. '}'
  end
  error('json: unsupported type: ' .. kind, 0)
end

__outrigger_run = function(src, literal, mode)
  local build = load('return ' .. literal, '=event', 't', {})
  local env = setmetatable({ event = build() }, { __index = _G })
  local chunk, err = load(src, '=script', 't', env)
  if not chunk then error(err, 0) end
  local results = pack(chunk())
  local last = results[results.n]
  if mode == 'filter' then return last == true end
  if type(last) ~= 'table' then error('transformation script output type is not of lua table', 0) end
  return tojson(last)
end
`;

interface LuaRuntime {
  engine: LuaEngine;
}

let runtime: Promise<LuaRuntime> | undefined;

/** Loads wasmoon and prepares one Lua state (once per process). */
function loadRuntime(): Promise<LuaRuntime> {
  runtime ??= (async () => {
    const { LuaFactory, LuaEngine } = await import('wasmoon');
    const module = await new LuaFactory().getLuaModule();
    const engine = new LuaEngine(module, {
      injectObjects: false,
      enableProxy: false,
      traceAllocations: true,
    });
    engine.global.setMemoryMax(SCRIPT_MEMORY_BYTES);
    engine.doStringSync(PRELUDE);
    return { engine };
  })();
  return runtime;
}

/** A Lua string literal holding the UTF-8 bytes of `s` (non-printable bytes as decimal escapes). */
function luaString(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    out += b >= 32 && b < 127 && b !== 34 && b !== 92 ? String.fromCharCode(b) : `\\${b}`;
  }
  return `${out}"`;
}

function luaNumber(n: number): string {
  // Integers become Lua integers so `tostring` prints `1`, not `1.0`; others keep full precision.
  if (Number.isSafeInteger(n)) return String(n);
  const text = String(n);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** An element of an array, converted as gopher-lua's `mapToTable` does: nulls and nested arrays vanish. */
function arrayElement(value: unknown): string | undefined {
  switch (typeof value) {
    case 'number':
      return luaNumber(value);
    case 'string':
      return luaString(value);
    case 'boolean':
      return String(value);
    case 'object':
      return value !== null && !Array.isArray(value)
        ? toLuaLiteral(value as Record<string, unknown>)
        : undefined;
    default:
      return undefined;
  }
}

/** Lua table constructor for a JSON object with upstream's `mapToTable` conversion. */
export function toLuaLiteral(object: Readonly<Record<string, unknown>>): string {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(object)) {
    let literal: string | undefined;
    if (Array.isArray(value)) {
      const items = value.map(arrayElement).filter((item): item is string => item !== undefined);
      literal = `{${items.join(',')}}`;
    } else if (value !== null && typeof value === 'object') {
      literal = toLuaLiteral(value as Record<string, unknown>);
    } else {
      literal = arrayElement(value);
    }
    if (literal !== undefined) fields.push(`[${luaString(key)}]=${literal}`);
  }
  return `{${fields.join(',')}}`;
}

/** Upstream decodes data into a Go map, so anything but a JSON object (or null) is an error. */
function asObject(data: unknown): Readonly<Record<string, unknown>> {
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    const kind = Array.isArray(data) ? 'array' : typeof data;
    throw new ExpressionError(`json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
  }
  return data as Record<string, unknown>;
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^Error: /, '');
}

async function run(script: string, data: unknown, mode: 'filter' | 'transform'): Promise<unknown> {
  const literal = toLuaLiteral(asObject(data));
  const { engine } = await loadRuntime();
  const global = engine.global;
  const top = global.getTop();
  global.setTimeout(Date.now() + SCRIPT_TIMEOUT_MS);
  try {
    global.set('__src', script);
    global.set('__literal', literal);
    global.set('__mode', mode);
    return engine.doStringSync('return __outrigger_run(__src, __literal, __mode)');
  } catch (err) {
    throw new ExpressionError(messageOf(err), { cause: err });
  } finally {
    global.setTimeout(undefined);
    global.setTop(top);
  }
}

/** Runs a filter script over event data: true only when its last return value is `true`. */
export async function runLuaFilter(script: string, data: unknown): Promise<boolean> {
  return (await run(script, data, 'filter')) === true;
}

/** Runs a transform script over event data and returns the table it returned, as JSON text. */
export async function runLuaTransform(script: string, data: unknown): Promise<string> {
  const out = await run(script, data, 'transform');
  if (typeof out !== 'string')
    throw new ExpressionError('transformation script output type is not of lua table');
  return out;
}
