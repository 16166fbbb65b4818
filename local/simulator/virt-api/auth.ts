// Who is calling, decided as an aggregated API server decides it (k8s.io/apiserver's request-header
// authenticator): only a TLS client certificate signed by the front-proxy CA, with a CN from the
// allowed names, may assert a user in X-Remote-User and groups in X-Remote-Group. That client is the
// kube-apiserver, which has already authenticated the real user and checked RBAC for the request.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface Caller {
  user: string;
  groups: string[];
}

export const USER_HEADER = 'x-remote-user';
export const GROUP_HEADER = 'x-remote-group';

/** The caller, or undefined when the request does not come from the front proxy (answer 401). */
export function authenticate(req: IncomingMessage, allowedNames: readonly string[]): Caller | undefined {
  const socket = req.socket as TLSSocket;
  // `authorized` is the verification against the front-proxy CA (the server's `ca`); the
  // handshake itself accepts any client, so that a refusal can be an HTTP 401 rather than a TLS error.
  if (!socket.authorized) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  const names = Array.isArray(cn) ? cn : [cn];
  if (!names.some((n) => n !== undefined && allowedNames.includes(n))) return undefined;
  const user = req.headersDistinct[USER_HEADER]?.[0];
  if (!user) return undefined;
  // One header per group, never split on commas: a group name may contain one.
  return { user, groups: req.headersDistinct[GROUP_HEADER] ?? [] };
}
