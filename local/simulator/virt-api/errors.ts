// The error responses virt-api writes, shaped exactly as apimachinery's `errors.New*` build them
// (virt-api's `writeError` sends the StatusError's `metav1.Status` as JSON), so a client that reads
// `reason`, `code` or `message` sees what it would see from KubeVirt.

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { message: string }[] };
  code: number;
}

/** A refusal carrying the Status to send; thrown by handlers, written by the server. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

/**
 * KubeVirt names resources in its errors by `v1.Resource("virtualmachine")`: group kubevirt.io and
 * the singular kind in lower case, so messages read `virtualmachine.kubevirt.io "desk-0" ...`.
 */
export type KubevirtResource = 'virtualmachine' | 'virtualmachineinstance';
const GROUP = 'kubevirt.io';

function status(code: number, reason: string, message: string, details?: Status['details']): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

export function notFound(resource: KubevirtResource, name: string): StatusError {
  return status(404, 'NotFound', `${resource}.${GROUP} "${name}" not found`, { name, group: GROUP, kind: resource });
}

export function conflict(resource: KubevirtResource, name: string, why: string): StatusError {
  return status(409, 'Conflict', `Operation cannot be fulfilled on ${resource}.${GROUP} "${name}": ${why}`, {
    name,
    group: GROUP,
    kind: resource,
  });
}

export function badRequest(message: string): StatusError {
  return status(400, 'BadRequest', message);
}

export function internalError(why: string): StatusError {
  return status(500, 'InternalError', `Internal error occurred: ${why}`, { causes: [{ message: why }] });
}

/** What an aggregated API server answers to a caller it cannot authenticate (apiserver's `Unauthorized`). */
export function unauthorized(): StatusError {
  return status(401, 'Unauthorized', 'Unauthorized');
}

export function notFoundPath(): StatusError {
  return status(404, 'NotFound', 'the server could not find the requested resource');
}

/**
 * A failure virt-api writes with go-restful's `response.WriteError(code, err)`: the status and the
 * error's text as a plain-text body, not a Status object. The guest-agent subresources answer every
 * failure this way, with code 500 (pkg/virt-api/rest/subresource.go `UserList`, `GuestOSInfo`).
 */
export class PlainTextError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ErrorResponse {
  code: number;
  contentType: string;
  body: string;
}

/** How a thrown error goes on the wire; anything unexpected is an InternalError Status. */
export function errorResponse(err: unknown): ErrorResponse {
  if (err instanceof PlainTextError) {
    return { code: err.code, contentType: 'text/plain; charset=utf-8', body: err.message };
  }
  const status =
    err instanceof StatusError ? err.status : internalError(err instanceof Error ? err.message : String(err)).status;
  return { code: status.code, contentType: 'application/json', body: JSON.stringify(status) };
}
