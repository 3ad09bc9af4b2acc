/**
 * `Status` error bodies exactly as kube-apiserver writes them (k8s.io/apimachinery/pkg/api/errors/errors.go).
 */

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
  code: number;
}

/** The `reason` kube-apiserver uses for a bare status code. */
export const REASON_BY_CODE: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A Failure status; `reason` defaults from the code. */
export function failure(
  code: number,
  message: string,
  reason = REASON_BY_CODE[code] ?? 'Unknown',
  details?: Record<string, unknown>,
): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** `jobs.batch` or `pods`: how errors name a resource. */
export function qualified(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}
