// The scratch module that builds the control plane is derived from the release's own go.mod.
import { describe, expect, it } from 'vitest';
import { parseReleaseGoMod, scratchGoMod } from '../../local/devcluster/binaries.js';

const RELEASE_GO_MOD = `module k8s.io/kubernetes

go 1.26.0

require (
	go.etcd.io/etcd/client/v3 v3.6.8
	go.etcd.io/etcd/server/v3 v3.6.8
	k8s.io/api v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/cri-streaming => ./staging/src/k8s.io/cri-streaming
	sigs.k8s.io/yaml => sigs.k8s.io/yaml v1.6.0
)
`;

describe('building the control plane from Go modules', () => {
  it('reads the go version, the staging modules and the etcd version from the release go.mod', () => {
    expect(parseReleaseGoMod(RELEASE_GO_MOD)).toEqual({
      goVersion: '1.26.0',
      stagingModules: ['k8s.io/api', 'k8s.io/cri-streaming'],
      etcdVersion: 'v3.6.8',
    });
  });

  it('pins every staging module to the matching v0 release in the scratch module', () => {
    const mod = scratchGoMod('v1.36.3', parseReleaseGoMod(RELEASE_GO_MOD));
    expect(mod).toContain('\tk8s.io/kubernetes v1.36.3\n');
    expect(mod).toContain('\tgo.etcd.io/etcd/server/v3 v3.6.8\n');
    expect(mod).toContain('\tk8s.io/api => k8s.io/api v0.36.3\n');
    expect(mod).toContain('\tk8s.io/cri-streaming => k8s.io/cri-streaming v0.36.3\n');
    expect(mod).not.toContain('sigs.k8s.io/yaml');
    expect(mod).toMatch(/tool \(\n\tk8s\.io\/kubernetes\/cmd\/kube-apiserver\n/);
  });

  it('refuses a go.mod that is not a Kubernetes release', () => {
    expect(() => parseReleaseGoMod('module example.com/x\n\ngo 1.22\n')).toThrow('unexpected k8s.io/kubernetes go.mod');
  });
});
