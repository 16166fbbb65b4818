// The fuzz generator replays: the same seed gives the same inputs (so a printed seed reproduces a
// failure), every input says what it touched, and a refusal is judged by the field it names.
import { describe, expect, it } from 'vitest';
import { type FuzzBases, type FuzzKind, generateInput, namesAField } from './generate.js';
import { seededRandom } from './random.js';

const bases: FuzzBases = { namespace: 'ns', template: 'base', pool: 'base', user: 'alice' };
const kinds: FuzzKind[] = ['VMTemplate', 'VirtualDesktopPool', 'DesktopClaim'];

function run(seed: number) {
  const r = seededRandom(seed);
  return Array.from({ length: 300 }, (_, i) => generateInput(r, kinds[i % 3] as FuzzKind, i, bases));
}

describe('the fuzz generator', () => {
  it('gives the same inputs for the same seed, and others for another', () => {
    expect(JSON.stringify(run(42))).toBe(JSON.stringify(run(42)));
    expect(JSON.stringify(run(42))).not.toBe(JSON.stringify(run(43)));
  });

  it('generates thousands of inputs from many seeds without failing itself', () => {
    for (let seed = 0; seed < 40; seed++) expect(run(seed)).toHaveLength(300);
  });

  it('names what each mutated input touched, and never makes a large pool that is not paused', () => {
    for (const input of run(7)) {
      expect(input.touched.length).toBe(input.mutations.length);
      const spec = input.object.spec as { size?: unknown; paused?: unknown } | undefined;
      if (input.kind === 'VirtualDesktopPool' && typeof spec?.size === 'number' && spec.size > 3)
        expect(spec.paused).toBe(true);
    }
  });

  it('judges a refusal by whether it names a touched field', () => {
    expect(namesAField('spec.resources.cpu.cores: Invalid value: 0', ['spec.resources.cpu.cores'])).toBe(true);
    expect(namesAField('.spec.extra: field not declared in schema', ['spec.extra'])).toBe(true);
    expect(namesAField('you are not entitled to desktops of pool base', ['spec.user'])).toBe(false);
  });
});
