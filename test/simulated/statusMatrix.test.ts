import { describe, expect, it } from 'vitest';
import { HvStatus as S, hvStatusName } from '../../src/hv/HvStatus.js';
import { FinalizePartition } from '../../src/hv/hypercalls/index.js';
import type { Handler } from '../../adapters/simulated/handlers/Handler.js';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';
import { type Answer, Caller, smallMachine } from './harness.js';
import { issue, valuesFor } from './matrix/MatrixCase.js';

/** Issue `h`'s call with every named field zero, every partition-id field `partitionId`, overrides applied. */
const issueZeroed = (c: Caller, h: Handler, partitionId: bigint): Answer =>
  issue(c, h.def, valuesFor(h.def, partitionId), h.kind === 'rep' ? { repCount: 1 } : {});

const declaring = (status: number): Handler[] => HANDLERS.filter((h) => h.statuses.includes(status));

describe('status matrix: every handler that declares a status returns it (issue 3, unit tests per hypercall)', () => {
  it.each(declaring(S.INVALID_PARTITION_ID).map((h) => [h.def.name, h] as const))(
    '%s answers INVALID_PARTITION_ID for a partition that does not exist',
    (_name, h) => {
      const c = new Caller(smallMachine());
      c.readyPartition();
      expect(hvStatusName(issueZeroed(c, h, 0xdead_beefn).status)).toBe('INVALID_PARTITION_ID');
    },
  );

  it.each(
    declaring(S.INVALID_PARTITION_STATE)
      .filter((h) => h.def.name !== 'WITHDRAW_MEMORY' && h.def.name !== 'DELETE_PARTITION')
      .map((h) => [h.def.name, h] as const),
  )(
    '%s answers INVALID_PARTITION_STATE on a finalized partition (DELETE and WITHDRAW accept one)',
    (_name, h) => {
      const c = new Caller(smallMachine());
      const id = c.readyPartition();
      expect(c.fast(FinalizePartition, { partitionId: id }).status).toBe(S.SUCCESS);
      expect(hvStatusName(issueZeroed(c, h, id).status)).toBe('INVALID_PARTITION_STATE');
    },
  );

  it('lists only statuses the status table knows, and never SUCCESS', () => {
    for (const h of HANDLERS) {
      for (const s of h.statuses) {
        expect(s).not.toBe(S.SUCCESS);
        expect(hvStatusName(s)).not.toMatch(/^UNKNOWN_0x/);
      }
    }
  });
});
