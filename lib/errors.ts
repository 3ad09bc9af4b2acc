/**
 * The typed errors every part of Outrigger throws. Callers branch on `code` or on the predicates below,
 * never on message text (the shape follows nats.js `jserrors.ts` and middy's `expose` flag).
 */

/** Stable, machine-readable error codes. */
export const ErrorCode = {
  ManifestInvalid: 'ManifestInvalid',
  AuthFailed: 'AuthFailed',
  PayloadInvalid: 'PayloadInvalid',
  PayloadTooLarge: 'PayloadTooLarge',
  UnsupportedMediaType: 'UnsupportedMediaType',
  MethodNotAllowed: 'MethodNotAllowed',
  RouteNotFound: 'RouteNotFound',
  BusUnavailable: 'BusUnavailable',
  TriggerFailed: 'TriggerFailed',
  KubeApi: 'KubeApi',
  SecretNotFound: 'SecretNotFound',
  ExpressionInvalid: 'ExpressionInvalid',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

interface OutriggerErrorOptions {
  cause?: unknown;
  /** HTTP status when the error reaches a webhook caller. */
  statusCode?: number;
  /** Whether the message may be shown to an HTTP caller. */
  expose?: boolean;
  retryable?: boolean;
}

/** Base class: a stable `code`, the original `cause`, and HTTP hints for source functions. */
export class OutriggerError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly expose: boolean;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: OutriggerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = options.statusCode ?? 500;
    this.expose = options.expose ?? this.statusCode < 500;
    this.retryable = options.retryable ?? false;
  }
}

/** One problem found in a manifest, positioned in its file. */
export interface ManifestIssue {
  file: string;
  line: number;
  column: number;
  /** Field path such as `spec.triggers[0].template.k8s.operation`. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** Formats an issue as `file:line:col: path: message`. */
export function formatIssue(issue: ManifestIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** A manifest (or set of manifests) that cannot be loaded; carries every error found. */
export class ManifestError extends OutriggerError {
  readonly issues: ManifestIssue[];

  constructor(issues: ManifestIssue[]) {
    super(ErrorCode.ManifestInvalid, issues.map(formatIssue).join('\n'), { statusCode: 400 });
    this.issues = issues;
  }
}

/** The sender could not be authenticated (bad or missing signature, token or bearer secret). */
export class AuthError extends OutriggerError {
  constructor(message: string, options: OutriggerErrorOptions = {}) {
    super(ErrorCode.AuthFailed, message, { statusCode: 401, expose: true, ...options });
  }
}

/** The request could not become an event: wrong method, unknown route, bad or oversized body. */
export class PayloadError extends OutriggerError {
  constructor(message: string, options: OutriggerErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? ErrorCode.PayloadInvalid, message, { statusCode: 400, expose: true, ...options });
  }
}

/** The bus could not make an event durable, or could not deliver; always worth retrying. */
export class BusError extends OutriggerError {
  constructor(message: string, options: OutriggerErrorOptions = {}) {
    super(ErrorCode.BusUnavailable, message, { statusCode: 503, expose: true, retryable: true, ...options });
  }
}

/** A trigger could not run; `retryable` says whether the event should be delivered again. */
export class TriggerError extends OutriggerError {
  constructor(message: string, options: OutriggerErrorOptions = {}) {
    super(ErrorCode.TriggerFailed, message, { retryable: true, ...options });
  }
}

/** The Kubernetes API answered with an error status (or could not be reached: status 0). */
export class KubeApiError extends OutriggerError {
  readonly status: number;
  readonly reason: string | undefined;

  constructor(message: string, status: number, options: OutriggerErrorOptions & { reason?: string } = {}) {
    // 5xx, 429 and unreachable (0) are transient; 4xx other than 409/429 are not.
    const retryable = options.retryable ?? (status === 0 || status === 429 || status >= 500);
    super(ErrorCode.KubeApi, message, { ...options, retryable });
    this.status = status;
    this.reason = options.reason;
  }
}

/** True when delivering the same event again may succeed. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof OutriggerError) return err.retryable;
  // Unknown failures (network errors, bugs in a dependency) are retried: losing an event is worse.
  return true;
}

/** True for an error raised by Outrigger itself (as opposed to a dependency). */
export function isOutriggerError(err: unknown): err is OutriggerError {
  return err instanceof OutriggerError;
}

/** A template or expression that cannot be compiled or fails while it runs (Go text/template, sprig). */
export class ExpressionError extends OutriggerError {
  constructor(message: string, options: OutriggerErrorOptions = {}) {
    super(ErrorCode.ExpressionInvalid, message, { statusCode: 400, expose: true, ...options });
  }
}
