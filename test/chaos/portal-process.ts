// A portal replica as it is deployed: `kubevdi portal` (the compiled dist/cli.js) in a process of
// its own, so a campaign can SIGKILL it. Replicas given the same session secret accept each
// other's session cookies, as the chart runs them behind one Service.
import type { ChildProcess } from 'node:child_process';
import { exitCodeOrSignal, ManagedProcess } from '../../local/process.js';
import { REPO_ROOT } from '../../src/paths.js';
import { OPERATOR_ENTRYPOINT, portalUrl } from '../support/build.js';

export interface PortalProcess {
  url: string;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<string>;
}

export async function startPortalProcess(options: {
  kubeconfigFile: string;
  namespace: string;
  sessionSecret: string;
}): Promise<PortalProcess> {
  const portal = await ManagedProcess.spawn(
    process.execPath,
    [OPERATOR_ENTRYPOINT, 'portal', '--listen', '127.0.0.1:0', '--namespace', options.namespace, '--token-sign-in'],
    {
      name: 'the portal',
      cwd: REPO_ROOT,
      env: { ...process.env, KUBECONFIG: options.kubeconfigFile, KUBEVDI_PORTAL_SESSION_SECRET: options.sessionSecret },
    },
  );
  const url = await portal.waitFor(portalUrl);
  return {
    url,
    child: portal.child,
    async kill(signal = 'SIGKILL') {
      return exitCodeOrSignal(await portal.kill(signal));
    },
  };
}
