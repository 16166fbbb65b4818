// What `npm run generate` writes into the chart and kustomize base is what is committed: the
// chart's copies of config/, its values table, and the CRD kustomization.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { crdKustomization } from '../../src/api/crd-files.js';
import { CHART_FILES_DIR, CHART_README, CHART_VALUES, chartFiles } from '../../src/chart/files.js';
import { valuesRows, withValuesTable } from '../../src/chart/values-table.js';
import { REPO_ROOT } from '../../src/paths.js';

const read = (file: string) => readFile(path.join(REPO_ROOT, file), 'utf8');

describe('generated chart files', () => {
  it('files/ holds exactly config/rbac and config/admission (run npm run generate after editing config/)', async () => {
    for (const [file, text] of await chartFiles()) {
      expect(await read(path.join(CHART_FILES_DIR, file)), `${CHART_FILES_DIR}/${file} is stale`).toBe(text);
    }
  });

  it("the README's values table is the one values.yaml gives, and documents every value", async () => {
    const [readme, values] = await Promise.all([read(CHART_README), read(CHART_VALUES)]);
    expect(readme, `${CHART_README} is stale`).toBe(withValuesTable(readme, values));
    const rows = valuesRows(values).map((r) => r.key);
    expect(rows).toContain('image.repository');
    expect(rows).toContain('resources.limits');
    expect(new Set(rows).size).toBe(rows.length);
  });

  it('crds/kustomization.yaml lists every generated CRD', async () => {
    expect(await read('crds/kustomization.yaml')).toBe(crdKustomization());
  });

  it("the operator's ClusterRole has no wildcard verb, resource or group", async () => {
    const docs = parseAllDocuments(await read(path.join(CHART_FILES_DIR, 'rbac/operator-role.yaml')));
    const rules = docs.flatMap((d) => (d.toJS()?.rules ?? []) as Record<string, string[]>[]);
    expect(rules.length).toBeGreaterThan(10);
    for (const rule of rules) {
      for (const field of ['verbs', 'resources', 'apiGroups', 'resourceNames', 'nonResourceURLs']) {
        expect(rule[field] ?? [], `${field} of ${JSON.stringify(rule)}`).not.toContain('*');
      }
    }
  });
});
