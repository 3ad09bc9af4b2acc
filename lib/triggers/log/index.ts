/** The `log` trigger: prints the events that fired it (argoproj/argo-events: pkg/sensors/triggers/log). */
import type { LogTriggerSpec } from '../../manifests/types.ts';
import type { FiredEvents, RenderContext, TriggerType } from '../types.ts';

export interface LogRequest {
  sensor: string;
  trigger: string;
  events: Record<string, { context: unknown; data: unknown }>;
}

/** Log trigger: render copies the fired events; execute writes one line. */
export const logTrigger: TriggerType<LogTriggerSpec, LogRequest> = {
  type: 'log',
  render(_spec: LogTriggerSpec, events: FiredEvents, context: RenderContext): LogRequest {
    const copy: LogRequest['events'] = {};
    for (const [name, event] of Object.entries(events))
      copy[name] = { context: event.context, data: event.data };
    return { sensor: context.sensorName, trigger: context.triggerName, events: copy };
  },
  async execute(request, clients) {
    (clients.log ?? console.log)(JSON.stringify({ message: 'log trigger', ...request }));
    return { summary: `logged ${Object.keys(request.events).length} event(s)` };
  },
};
