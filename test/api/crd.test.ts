// The CRDs in git are exactly what the zod schemas generate, and they are what a platform
// engineer expects: described, structural, with columns, short names and the category.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { CRD_DIRS } from '../../local/generate/crds.js';
import { renderCrd } from '../../src/api/crd.js';
import { generatedCrds } from '../../src/api/crd-files.js';
import { KINDS } from '../../src/api/index.js';
import { type JsonSchema, toStructural } from '../../src/api/structural.js';
import { REPO_ROOT } from '../../src/paths.js';

describe('generated CRDs', () => {
  for (const dir of CRD_DIRS) {
    it(`${dir}/ holds what \`npm run generate\` writes (run it after changing src/api)`, async () => {
      for (const [file, text] of generatedCrds()) {
        const committed = await readFile(path.join(REPO_ROOT, dir, file), 'utf8').catch(() => '<missing>');
        expect(committed, `${dir}/${file} is stale`).toBe(text);
      }
    });
  }

  it('gives every kind its short name, the kubevdi category and a status subresource', () => {
    const names = KINDS.map((def) => {
      const crd = renderCrd(def) as {
        spec: { names: { shortNames: string[]; categories: string[] }; versions: { subresources: object }[] };
      };
      expect(crd.spec.names.categories).toEqual(['kubevdi']);
      expect(crd.spec.versions[0]?.subresources).toHaveProperty('status');
      return crd.spec.names.shortNames[0];
    });
    expect(names).toEqual(['vmt', 'vdp', 'dclaim']);
  });

  it('lets `kubectl scale` work on pools through spec.size', () => {
    const pool = KINDS.find((d) => d.kind === 'VirtualDesktopPool');
    expect(pool?.scale).toEqual({
      specReplicasPath: '.spec.size',
      statusReplicasPath: '.status.desktops',
      labelSelectorPath: '.status.selector',
    });
  });

  it('shows the columns that answer the first question about each kind', () => {
    const columns = Object.fromEntries(
      KINDS.map((def) => [def.kind, [...def.printerColumns.filter((c) => !c.priority).map((c) => c.name), 'Age']]),
    );
    expect(columns).toEqual({
      VMTemplate: ['OS', 'Version', 'Revision', 'Ready', 'Age'],
      VirtualDesktopPool: [
        'Template',
        'Size',
        'Ready',
        'Available',
        'Assigned',
        'Warm',
        'Phase',
        'Window',
        'Next Change',
        'Age',
      ],
      DesktopClaim: ['Pool', 'User', 'Desktop', 'Phase', 'Age'],
    });
  });

  it('describes every field of every kind', () => {
    const undescribed: string[] = [];
    const walk = (node: JsonSchema, at: string) => {
      const props = (node.properties ?? {}) as Record<string, JsonSchema>;
      for (const [name, child] of Object.entries(props)) {
        if (typeof child.description !== 'string' || child.description.length < 8) undescribed.push(`${at}.${name}`);
        walk(child, `${at}.${name}`);
        if (child.items) walk(child.items as JsonSchema, `${at}.${name}[*]`);
      }
    };
    for (const [file, text] of generatedCrds()) {
      // metadata is the API server's own: a CRD may say nothing about it but name rules.
      const { spec, status } = parse(text).spec.versions[0].schema.openAPIV3Schema.properties;
      walk({ properties: { spec, status } }, file);
    }
    expect(undescribed).toEqual([]);
  });
});

describe('toStructural', () => {
  const json = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as JsonSchema;

  it('turns an int|string union into IntOrString with the constraints of each branch', () => {
    const schema = z.union([z.int().min(0), z.string().regex(/^\d+%$/)]).describe('count or percent');
    expect(toStructural(json(schema))).toEqual({
      description: 'count or percent',
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
      minimum: 0,
      pattern: '^\\d+%$',
    });
  });

  it('refuses unions a structural schema cannot express', () => {
    const schema = z
      .object({ a: z.union([z.object({ x: z.string() }), z.object({ y: z.string() })]).describe('either') })
      .describe('root');
    expect(() => toStructural(json(schema))).toThrow('.a: only int-or-string unions are allowed');
  });

  it('refuses a field without a description', () => {
    expect(() => toStructural(json(z.object({ size: z.int() }).describe('root')))).toThrow(
      '.size: every field needs a description',
    );
  });

  it('keeps free-form objects as preserved unknown fields and drops the safe-integer bounds zod adds', () => {
    const schema = z
      .object({ any: z.record(z.string(), z.unknown()).describe('free form'), n: z.int().describe('a number') })
      .describe('root');
    const out = toStructural(json(schema)) as { properties: Record<string, JsonSchema> };
    expect(out.properties.any).toEqual({
      description: 'free form',
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(out.properties.n).toEqual({ description: 'a number', type: 'integer' });
  });
});
