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
    // 409: the VMI is not running or its agent is not connected. 404: the VMI went a moment ago
    // (the desktop's next change says more), or no virt-api serves the group: nothing is known.
    if (response.httpStatusCode === 409 || response.httpStatusCode === 404) return { kind: 'unknown' };
    if (response.httpStatusCode !== 200) {
      throw new Error(`userlist of ${namespace}/${name}: HTTP ${response.httpStatusCode}: ${body.slice(0, 300)}`);
    }
    return { kind: 'users', users: parseUserList(JSON.parse(body) as UserList) };
  };
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
