import { describe, expect, it } from 'vitest';
import { encodeControl } from '../../src/hv/ControlWord.js';
import { HypercallCode } from '../../src/hv/HypercallCode.js';
import { HvPage } from '../../src/ports/HvPage.js';
import { issueRep } from '../../src/pipeline/issueRep.js';
import { ScriptedPort } from './ScriptedPort.js';

const code = HypercallCode.MAP_GPA_PAGES;

function issue(repStart: number, repCount: number, ...answers: number[]) {
  const port = new ScriptedPort();
  port.script(code, ...answers.map((reps) => () => ({ result: 0, reps })));
  const starts: number[] = [];
  const control = encodeControl({ code, repCount, repStart });
  const run = () =>
    issueRep(port, control, repCount, new HvPage(), null, (word) => {
      starts.push(Number((word >> 48n) & 0xfffn));
    });
  return { run, starts };
}

// Inventory §b.1: hv_do_rep_hypercall_ex presets the rep start; reps completed is an absolute index.
describe('issueRep measures progress from the control word rep start (inventory §b.1)', () => {
  it('throws, without rewinding, when a preset-start issue answers fewer reps than its start', () => {
    const { run, starts } = issue(8, 10, 5, 10);
    expect(run).toThrow('hypervisor returned SUCCESS with no progress at rep 5 of 10');
    expect(starts).toEqual([8]);
  });

  it('throws at once when the answer is the start itself (no progress)', () => {
    const { run, starts } = issue(8, 10, 8, 10);
    expect(run).toThrow('no progress at rep 8 of 10');
    expect(starts).toEqual([8]);
  });

  it('throws at once on SUCCESS with no rep of a call starting at 0', () => {
    const { run, starts } = issue(0, 10, 0, 10);
    expect(run).toThrow('no progress at rep 0 of 10');
    expect(starts).toEqual([0]);
  });

  it('resumes from each absolute reps completed above the start', () => {
    const { run, starts } = issue(8, 12, 9, 12);
    expect(Number(run() >> 32n) & 0xfff).toBe(12);
    expect(starts).toEqual([8, 9]);
  });
});
