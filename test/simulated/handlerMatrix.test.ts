/**
 * Issue 3, "unit tests per hypercall (success and each status)": every handler of the simulated
 * hypervisor answers SUCCESS and every status it declares (the statuses random faults may inject) in
 * a situation built for it, without the fault plan. A declared status with no case fails the
 * completeness test, so a handler cannot claim an answer it never gives.
 */
import { describe, expect, it } from 'vitest';
import { hvStatusByName, hvStatusName } from '../../src/hv/HvStatus.js';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';
import { type Case, type CaseTable, callerFor, commonCases } from './matrix/MatrixCase.js';
import { memoryCases } from './matrix/memoryCases.js';
import { partitionCases } from './matrix/partitionCases.js';
import { portCases } from './matrix/portCases.js';
import { vpCases } from './matrix/vpCases.js';

const TABLES: CaseTable = { ...partitionCases, ...memoryCases, ...vpCases, ...portCases };

/** Each handler's cases: the common ones its declaration and layout give, then its table's. */
const CASES = new Map<string, Readonly<Record<string, Case>>>(
  HANDLERS.map((h) => [h.def.name, { ...commonCases(h), ...TABLES[h.def.name] }]),
);

describe('status matrix: SUCCESS and every declared status, per hypercall', () => {
  it('has a case for exactly SUCCESS and the declared statuses of every handler', () => {
    expect(Object.keys(TABLES).filter((n) => !CASES.has(n))).toEqual([]);
    for (const h of HANDLERS) {
      const want = ['SUCCESS', ...h.statuses.map(hvStatusName)].sort();
      expect(Object.keys(CASES.get(h.def.name) ?? {}).sort(), h.def.name).toEqual(want);
    }
  });

  for (const h of HANDLERS) {
    describe(h.def.name, () => {
      const cases = Object.entries<Case>(CASES.get(h.def.name) ?? {});
      it.each(cases)('answers %s', (status, run) => {
        const c = callerFor(run);
        const answer = run(c);
        expect(hvStatusName(answer.status)).toBe(status);
        expect(answer.status).toBe(status === 'SUCCESS' ? 0 : hvStatusByName(status));
        // Whatever the answer, nothing was lost or owned twice.
        expect(c.machine.audit().violations).toEqual([]);
      });
    });
  }
});
