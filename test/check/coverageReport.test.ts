import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';
import type { CoverageData } from '../../src/check/Coverage.js';
import { coverageLines, summarizeCoverage } from '../../src/check/coverageReport.js';
import { ALL_INVARIANTS } from '../../src/check/invariants/index.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { hvStatusName } from '../../src/hv/HvStatus.js';

/**
 * The coverage report names what was never reached (issue 6: "hypercalls × statuses seen … name
 * what was never reached"): for every hypercall issued, each status its simulated handler declares
 * (SUCCESS and `statuses`, the list the model loader checks fault choices against) that no run
 * answered (review of the checker, finding 9).
 */
const empty: CoverageData = { states: {}, transitions: {}, calls: {}, invariants: {}, intents: {} };

/** Every status a handler declares, by name: SUCCESS first. */
function declared(call: string): string[] {
  const h = HANDLERS.find((x) => x.def.name === call);
  if (h === undefined) throw new Error(`no handler for ${call}`);
  return ['SUCCESS', ...h.statuses.map(hvStatusName)];
}

describe('coverage report: hypercall statuses never answered', () => {
  it('names each declared status of an issued call that no run saw, and leaves calls never issued to callsNever', () => {
    const c: CoverageData = {
      ...empty,
      calls: { 'CREATE_PARTITION SUCCESS': 3, 'CREATE_PARTITION INSUFFICIENT_MEMORY': 1 },
    };
    const s = summarizeCoverage(c, ALL_INVARIANTS);
    expect(s.callStatusesNever).toEqual(
      declared('CREATE_PARTITION')
        .filter((st) => st !== 'SUCCESS' && st !== 'INSUFFICIENT_MEMORY')
        .map((st) => `CREATE_PARTITION ${st}`)
        .sort(),
    );
    expect(s.callStatusesNever.length).toBeGreaterThan(0);
    expect(s.callsNever).toContain('DELETE_PARTITION');
    expect(s.callStatusesNever.some((p) => p.startsWith('DELETE_PARTITION '))).toBe(false);
    const line = coverageLines(c, ALL_INVARIANTS).find((l) => l.includes('statuses never answered'));
    expect(line).toContain(s.callStatusesNever.join(', '));
  });

  it('on a small model: every declared pair of every call issued is either counted or named, never both', async () => {
    const model = loadCheckModel({
      format: 1,
      name: 'create-init-close',
      world: { seed: 2 },
      bounds: { steps: 3, faults: 1 },
      intents: [
        { intent: 'createPartition', flags: [] },
        { intent: 'partition', request: { type: 'INITIALIZE' } },
        { intent: 'partition', request: { type: 'CLOSE' } },
      ],
      faults: [{ call: 'INITIALIZE_PARTITION', status: 'INSUFFICIENT_MEMORY', skip: 0 }],
    });
    const r = await runCheck({ model, strategy: 'bfs' });
    expect(r.verdict).toBe('clean');
    const s = summarizeCoverage(r.coverage, ALL_INVARIANTS);
    expect(r.coverage.calls['INITIALIZE_PARTITION INSUFFICIENT_MEMORY']).toBeGreaterThan(0);
    expect(s.callStatusesNever).not.toContain('INITIALIZE_PARTITION INSUFFICIENT_MEMORY');
    expect(s.callStatusesNever).toContain('CREATE_PARTITION INSUFFICIENT_MEMORY');
    const issued = Object.keys(s.calls);
    expect(issued).toContain('FINALIZE_PARTITION');
    for (const call of issued)
      for (const st of declared(call)) {
        const pair = `${call} ${st}`;
        expect(s.callStatusesNever.includes(pair), pair).toBe(r.coverage.calls[pair] === undefined);
      }
    expect(coverageLines(r.coverage, ALL_INVARIANTS).join('\n')).toContain(
      'CREATE_PARTITION INSUFFICIENT_MEMORY',
    );
  });
});
