import { describe, expect, it } from 'vitest';
import { typedPatchRefusal, withoutPath } from '../src/portal/admin/committable.js';
import { templateFromYaml } from '../src/portal/admin/template-yaml.js';

const yaml = (metadata: string, rest = 'spec:\n  displayName: Fedora\n') =>
  `apiVersion: kubevdi.io/v1alpha1\nkind: VMTemplate\nmetadata:\n${metadata}${rest}`;

describe('a template edited as YAML', () => {
  it('keeps the spec, labels and annotations, and nothing the cluster adds', () => {
    const parsed = templateFromYaml(
      yaml(
        '  name: fedora\n  namespace: team-a\n  uid: 1234\n  resourceVersion: "7"\n  labels:\n    tier: gold\n',
        'spec:\n  displayName: Fedora\nstatus:\n  conditions: []\n',
      ),
      'team-a',
      'fedora',
    );
    expect(parsed).toEqual({
      object: {
        apiVersion: 'kubevdi.io/v1alpha1',
        kind: 'VMTemplate',
        metadata: { name: 'fedora', namespace: 'team-a', labels: { tier: 'gold' } },
        spec: { displayName: 'Fedora' },
      },
    });
  });

  it('refuses a YAML whose aliases would blow up (a "billion laughs") in words, not with a crash', () => {
    const laughs = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
      'spec: {displayName: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]}',
    ].join('\n');
    const parsed = templateFromYaml(
      `apiVersion: kubevdi.io/v1alpha1\nkind: VMTemplate\nmetadata: {name: lol}\n${laughs}\n`,
      'team-a',
    );
    expect(parsed).toEqual({ causes: [{ message: expect.stringMatching(/^The YAML cannot be read: .*alias/i) }] });
  });

  it('takes a new template’s name from its YAML, and asks for one when there is none', () => {
    expect(templateFromYaml(yaml('  name: win11\n'), 'team-a')).toMatchObject({
      object: { metadata: { name: 'win11', namespace: 'team-a' } },
    });
    expect(templateFromYaml(yaml('  name: ""\n'), 'team-a')).toEqual({
      causes: [{ field: 'metadata.name', message: 'A new template needs a name: metadata.name.' }],
    });
  });

  it('refuses to apply a YAML that names another object, with words that say so', () => {
    const parsed = templateFromYaml(
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: other\n  namespace: team-b\n',
      'team-a',
      'fedora',
    );
    expect(parsed).toEqual({
      causes: [
        { field: 'kind', message: 'This editor changes a VMTemplate, not a Secret.' },
        { field: 'apiVersion', message: "A VMTemplate's apiVersion is kubevdi.io/v1alpha1." },
        {
          field: 'metadata.name',
          message: 'The YAML names template other, but this is fedora. A template is renamed by creating a new one.',
        },
        { field: 'metadata.namespace', message: 'The YAML is for namespace team-b, but this is team-a.' },
        { field: 'spec', message: 'A template needs a spec.' },
      ],
    });
  });

  it('says where YAML it cannot read goes wrong', () => {
    const parsed = templateFromYaml('spec:\n  displayName: [unclosed\n', 'team-a', 'fedora');
    expect('causes' in parsed && parsed.causes[0]?.message).toMatch(/^The YAML cannot be read: .*line \d+/s);
    expect(templateFromYaml('- a list\n', 'team-a', 'fedora')).toEqual({
      causes: [{ message: 'The YAML must be one VMTemplate: a mapping with apiVersion, kind, metadata and spec.' }],
    });
  });
});

describe('the API server’s words after the path they name', () => {
  it('does not say the path twice', () => {
    expect(
      withoutPath('spec.resources.cpu.cores', 'spec.resources.cpu.cores in body should be greater than or equal to 1'),
    ).toBe('should be greater than or equal to 1');
    expect(withoutPath('spec.os', 'Windows 11 needs EFI firmware with Secure Boot')).toBe(
      'Windows 11 needs EFI firmware with Secure Boot',
    );
  });
});

describe('a server-side apply the API server cannot type', () => {
  // What kube-apiserver 1.36 answers (500) to YAML with a value of the wrong type or an unknown field.
  const status = (detail: string) => ({
    kind: 'Status',
    status: 'Failure',
    code: 500,
    message: `failed to create typed patch object (kubevdi.io/v1alpha1, Kind=VMTemplate): ${detail}`,
  });

  it('is a refusal at the field, in words', () => {
    expect(typedPatchRefusal(status('.spec.resources.cpu: expected map, got &{false}'))).toEqual([
      { path: 'spec.resources.cpu', message: 'should be an object, not false' },
    ]);
    expect(typedPatchRefusal(JSON.stringify(status('.spec.os.spec: field not declared in schema')))).toEqual([
      { path: 'spec.os.spec', message: 'is not a field here' },
    ]);
    expect(typedPatchRefusal(status('.spec.rootDisk.size: expected string, got &{12}'))).toEqual([
      { path: 'spec.rootDisk.size', message: 'should be text, not 12' },
    ]);
  });

  it('names every field when there are several', () => {
    expect(
      typedPatchRefusal(
        status(
          'errors:\n  .spec.os.version: expected string, got &{7}\n  .spec.resources.cpu: expected map, got &{false}',
        ),
      ),
    ).toEqual([
      { path: 'spec.os.version', message: 'should be text, not 7' },
      { path: 'spec.resources.cpu', message: 'should be an object, not false' },
    ]);
  });

  it('is not any other 500', () => {
    expect(typedPatchRefusal({ code: 500, message: 'etcdserver: request timed out' })).toBeUndefined();
    expect(typedPatchRefusal(undefined)).toBeUndefined();
  });
});
