import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GuestExitSpecs } from '../../src/scenario/guestExitCodec.js';
import { StepSpecs } from '../../src/scenario/stepSpecs.js';

const doc = readFileSync('docs/scenario-format.md', 'utf8');

/** The backticked field names of the table row that starts with `` `name` ``. */
function documentedFields(name: string): string[] {
  const row = doc.split('\n').find((line) => new RegExp(`^\\| \`${name}\` +\\|`).test(line));
  if (row === undefined) throw new Error(`docs/scenario-format.md has no row for ${name}`);
  const fields = row.split('|')[3] ?? '';
  return [...fields.matchAll(/`([A-Za-z][A-Za-z0-9]*)`/g)].map((m) => m[1]!);
}

describe('docs/scenario-format.md lists exactly the fields the loader reads', () => {
  it.each(Object.entries(StepSpecs))('op %s', (op, spec) => {
    const nested = op === 'setMsiRouting' ? ['gsi', 'addressLo', 'addressHi', 'data'] : [];
    expect(documentedFields(op).sort()).toEqual([...Object.keys(spec), ...nested].sort());
  });

  it.each(Object.entries(GuestExitSpecs))('exit %s', (exit, spec) => {
    expect(documentedFields(exit).sort()).toEqual(Object.keys(spec).sort());
  });

  it('ends with the Extensions section', () => {
    const headings = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings.at(-1)).toBe('Extensions');
  });
});
