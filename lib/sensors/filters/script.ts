/**
 * Script filter (semantics §3.7; argoproj/argo-events: pkg/sensors/dependencies/filter.go `filterScript`):
 * a Lua script sees the event data as the global table `event` and passes the event by returning `true`.
 * Lua is loaded only when a manifest has a script.
 */
import { runLuaFilter } from '../transform/lua.ts';
import type { FilterResult } from './result.ts';
import { errored, failed, passed } from './result.ts';

/** Evaluates `filters.script` over parsed event data (absent data passes, as upstream). */
export async function evaluateScriptFilter(script: string, data: unknown): Promise<FilterResult> {
  if (script === '') return passed;
  if (data === undefined || data === null) return passed;
  try {
    return (await runLuaFilter(script, data)) ? passed : failed;
  } catch (err) {
    return errored(err instanceof Error ? err.message : String(err));
  }
}
