// Who is logged on to a desktop, from KubeVirt's `virtualmachineinstances/{name}/userlist`
// subresource (virt-api asks the guest agent; virt-launcher refreshes it every 10 s). Requests go
// through the counted client, so they show in kubevdi_api_requests_total like every other call.
import { HttpMethod, type KubeConfig } from '@kubernetes/client-node';
import { apiConfiguration } from '../runtime/client.js';
import { isoSeconds } from '../runtime/conditions.js';
import type { Metrics } from '../runtime/metrics.js';
import type { GuestUser, Observation } from './session-observation.js';

export type ReadUserList = (namespace: string, name: string) => Promise<Observation>;

/** KubeVirt's VirtualMachineInstanceGuestOSUserList. */
interface UserList {
  items?: { userName?: string; domain?: string; loginTime?: number }[];
}

export function makeUserListReader(kc: KubeConfig, metrics?: Metrics): ReadUserList {
  const config = apiConfiguration(kc, metrics);
  return async (namespace, name) => {
    const path = `/apis/subresources.kubevirt.io/v1/namespaces/${encodeURIComponent(namespace)}/virtualmachineinstances/${encodeURIComponent(name)}/userlist`;
    const request = config.baseServer.makeRequestContext(path, HttpMethod.GET);
    await config.authMethods.default?.applySecurityAuthentication(request);
    const response = await config.httpApi.send(request).toPromise();
    const body = await response.body.text();
    if (response.httpStatusCode !== 200 && cannotAsk(response.httpStatusCode, body)) return { kind: 'unknown' };
    if (virtApiDown(response.httpStatusCode))
      return {
        kind: 'unreachable',
        message: `KubeVirt's subresource API (virt-api) does not answer: HTTP ${response.httpStatusCode} ${body.slice(0, 200).trim()}`,
      };
    if (response.httpStatusCode !== 200) {
      throw new Error(`userlist of ${namespace}/${name}: HTTP ${response.httpStatusCode}: ${body.slice(0, 300)}`);
    }
    return { kind: 'users', users: parseUserList(JSON.parse(body) as UserList) };
  };
}

/**
 * The guest cannot be asked now: virt-api answers 500 with "VMI is not running" or "VMI does not
 * have guest agent connected" (older releases and the docs say 409), 404 or "not found" when the
 * VMI went a moment ago, and the API server 404 when no virt-api serves the group at all. The
 * desktop's next change enqueues it again; anything else is an error and retried with backoff.
 */
export function cannotAsk(status: number, body: string): boolean {
  if (status === 404 || status === 409) return true;
  return status === 500 && /VMI is not running|does not have guest agent connected|not found/i.test(body);
}

/**
 * The API server could not reach virt-api behind its APIService (503 "service unavailable" when
 * it has no endpoint, 502/504 when it does not answer): not the guest's fault, and not the
 * operator's; said on the claim rather than retried silently.
 */
export function virtApiDown(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

export function parseUserList(list: UserList): GuestUser[] {
  return (list.items ?? []).flatMap((item) =>
    item.userName
      ? [
          {
            userName: item.userName,
            ...(item.domain ? { domain: item.domain } : {}),
            // Seconds since the epoch, as a float.
            ...(item.loginTime ? { loginTime: isoSeconds(new Date(item.loginTime * 1000)) } : {}),
          },
        ]
      : [],
  );
}
