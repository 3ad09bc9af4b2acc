/**
 * Structured JSON logs, one object a line, with the label keys every line carries (as Argo's `logging.Label*`).
 */
import { latestMemo } from '../memo.ts';

/** The keys of structured log fields; use these, never ad-hoc spellings. */
export const LogKey = {
  eventId: 'eventId',
  eventSource: 'eventSource',
  eventName: 'eventName',
  sensor: 'sensor',
  trigger: 'trigger',
  dependency: 'dependency',
  error: 'error',
} as const;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
  /** Whether lines of `level` are written (to skip building what would be dropped). */
  enabled(level: LogLevel): boolean;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  fields?: LogFields;
}

// Lines logged within one millisecond share a timestamp: format it once (a line per event under load).
const isoAt = latestMemo((ms) => new Date(ms).toISOString());

/** A line writer that can be flushed and closed. */
export interface LineWriter {
  write(line: string): void;
  /** Writes what is pending now and stops flushing at exit. */
  close(): void;
}

/**
 * Gathers the lines logged in one turn of the event loop into one write to `stream`: under load the local
 * runner logs a line per event, and a synchronous write each cost 3% of its profile. Pending lines are
 * written at the next turn, at 64 KiB, on `close` and at process exit. Not for Lambda, which may freeze
 * the process before the next turn.
 */
export function batchedWriter(stream: { write(text: string): unknown } = process.stdout): LineWriter {
  let pending = '';
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (pending === '') return;
    const text = pending;
    pending = '';
    stream.write(text);
  };
  process.once('exit', flush);
  return {
    write(line) {
      pending += `${line}\n`;
      if (pending.length >= 65_536) flush();
      else scheduled ??= setImmediate(flush);
    },
    close() {
      flush();
      process.off('exit', flush);
    },
  };
}

/** A JSON-lines logger; the level comes from `OUTRIGGER_LOG_LEVEL` unless given. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? ((process.env.OUTRIGGER_LOG_LEVEL as LogLevel | undefined) || 'info');
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return new JsonLogger(order[level], write, options.fields ?? {});
}

// Methods on a prototype, not closures per logger: a sensor makes a child logger per event it logs about.
class JsonLogger implements Logger {
  constructor(
    private readonly threshold: number,
    private readonly write: (line: string) => void,
    private readonly base: LogFields,
  ) {}

  private emit(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if (!this.enabled(level)) return;
    this.write(JSON.stringify({ level, time: isoAt(Date.now()), message, ...this.base, ...fields }));
  }

  debug(message: string, fields?: LogFields): void {
    this.emit('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.emit('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.emit('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.emit('error', message, fields);
  }

  child(fields: LogFields): Logger {
    return new JsonLogger(this.threshold, this.write, { ...this.base, ...fields });
  }

  enabled(level: LogLevel): boolean {
    return order[level] >= this.threshold;
  }
}

/** Message of an unknown thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
