import { describe, expect, it } from 'vitest';
import { HV_STATS_OBJECT } from '../../src/hv/flags/HvStats.js';
import { HV_MODIFY_SPA_PAGE_HOST_ACCESS } from '../../src/hv/flags/HvMapGpaFlag.js';
import { HvStatus as S, hvStatusName } from '../../src/hv/HvStatus.js';
import { FinalizePartition } from '../../src/hv/hypercalls/index.js';
import type { Handler } from '../../adapters/simulated/handlers/Handler.js';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';
import { type Answer, Caller, smallMachine } from './harness.js';

/** Field values a call needs to get past its own parameter checks to the partition lookup. */
const OVERRIDES: Readonly<Record<string, Record<string, unknown>>> = {
  MAP_STATS_PAGE: { type: HV_STATS_OBJECT.VP },
  UNMAP_STATS_PAGE: { type: HV_STATS_OBJECT.VP },
  MAP_STATS_PAGE2: { type: HV_STATS_OBJECT.VP },
  ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS: { hostAccess: 3, flags: HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED },
  RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS: { flags: HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE },
  CREATE_PORT: { portId: 1, portInfoPortType: 4 },
  CONNECT_PORT: { connectionId: 1, portId: 1, connectionInfoPortType: 4 },
  DISCONNECT_PORT: { connectionId: 1 },
  DELETE_PORT: { portId: 1 },
  ASSERT_VIRTUAL_INTERRUPT: { vector: 0x30 },
  GET_PARTITION_PROPERTY: { propertyCode: 0x00030003 },
  GET_PARTITION_PROPERTY_EX: { propertyCode: 0x00030003 },
  SET_PARTITION_PROPERTY: { propertyCode: 0x00030003 },
};

/** Issue `h`'s call with every named field zero, every partition-id field `partitionId`, overrides applied. */
function issue(c: Caller, h: Handler, partitionId: bigint): Answer {
  const values: Record<string, unknown> = {};
  for (const f of h.def.input?.fields ?? []) {
    if (f.kind === 'reserved') continue;
    values[f.name] = f.name.endsWith('artitionId')
      ? partitionId
      : f.kind === 'u64'
        ? 0n
        : f.kind === 'bytes'
          ? new Uint8Array(f.size)
          : 0;
  }
  Object.assign(values, OVERRIDES[h.def.name]);
  if (h.def.kind === 'fast8' || h.def.kind === 'fast16') return c.fast(h.def, values);
  if (h.def.input === undefined)
    return c.call(
      h.def,
      {},
      {
        list: (p) => {
          p.view.setBigUint64(0, partitionId, true);
        },
      },
    );
  return c.call(h.def, values, h.kind === 'rep' ? { repCount: 1 } : {});
}

const declaring = (status: number): Handler[] => HANDLERS.filter((h) => h.statuses.includes(status));

describe('status matrix: every handler that declares a status returns it (issue 3, unit tests per hypercall)', () => {
  it.each(declaring(S.INVALID_PARTITION_ID).map((h) => [h.def.name, h] as const))(
    '%s answers INVALID_PARTITION_ID for a partition that does not exist',
    (_name, h) => {
      const c = new Caller(smallMachine());
      c.readyPartition();
      expect(hvStatusName(issue(c, h, 0xdead_beefn).status)).toBe('INVALID_PARTITION_ID');
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
      expect(hvStatusName(issue(c, h, id).status)).toBe('INVALID_PARTITION_STATE');
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
