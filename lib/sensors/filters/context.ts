/** Context filter (semantics §3.5): each field set must equal the event's exactly. */
import type { EventContext } from '../../events/envelope.ts';
import type { EventDependencyFilter } from '../../manifests/types.ts';
import type { FilterResult } from './result.ts';
import { failed, passed } from './result.ts';

const FIELDS = ['type', 'subject', 'source', 'datacontenttype'] as const;

/** Evaluates `filters.context` against an event context (absent context fails). */
export function evaluateContextFilter(
  filter: NonNullable<EventDependencyFilter['context']>,
  context: EventContext | null | undefined,
): FilterResult {
  if (!context) return failed;
  for (const field of FIELDS) {
    const wanted = filter[field];
    if (wanted && wanted !== context[field]) return failed;
  }
  return passed;
}
