/**
 * Status matrix: VP calls (inventory §c.5, §c.6, §c.7; lifecycle rule 8): creation, registers, state
 * pages, stats pages, VP state and DISPATCH_VP.
 */
import { expect } from 'vitest';
import { HV_REGISTER } from '../../../src/hv/flags/HvRegisterName.js';
import { HV_STATS_AREA, HV_STATS_OBJECT } from '../../../src/hv/flags/HvStats.js';
import { HV_GET_SET_VP_STATE, HV_VP_STATE_PAGE } from '../../../src/hv/flags/HvVpState.js';
import {
  CreateVp,
  DeleteVp,
  DispatchVp,
  GetVpRegisters,
  GetVpState,
  MapStatsPage,
  MapStatsPage2,
  MapVpStatePage,
  SetVpRegisters,
  SetVpState,
  UnmapStatsPage,
  UnmapVpStatePage,
} from '../../../src/hv/hypercalls/index.js';
import { type Answer, type Caller } from '../harness.js';
import { type CaseTable, configured, issue, readyVp } from './MatrixCase.js';

const createValues = (partitionId: bigint, vpIndex: number, over: Record<string, unknown> = {}) => ({
  partitionId,
  vpIndex,
  subnodeType: 0,
  subnodeId: 0n,
  proximityDomainInfo: 0n,
  flags: 0n,
  ...over,
});

function setRegs(
  c: Caller,
  id: bigint,
  vpIndex: number,
  regs: readonly [number, bigint][],
  inputVtl = 0,
): Answer {
  return c.call(
    SetVpRegisters,
    { partitionId: id, vpIndex, inputVtl },
    {
      repCount: regs.length,
      list: (p, at) => {
        regs.forEach(([name, value], i) => {
          p.view.setUint32(at + i * 32, name, true);
          p.view.setBigUint64(at + i * 32 + 16, value, true);
        });
      },
    },
  );
}

function getRegs(c: Caller, id: bigint, vpIndex: number, names: readonly number[], inputVtl = 0): Answer {
  return c.call(
    GetVpRegisters,
    { partitionId: id, vpIndex, inputVtl },
    {
      repCount: names.length,
      list: (p, at) => {
        names.forEach((n, i) => {
          p.view.setUint32(at + i * 4, n, true);
        });
      },
    },
  );
}

const mapState = (
  c: Caller,
  id: bigint,
  vpIndex: number,
  type: number,
  over: Record<string, unknown> = {},
): Answer =>
  c.call(MapVpStatePage, {
    partitionId: id,
    vpIndex,
    type,
    inputVtl: 0,
    flags: 0,
    requestedMapLocation: 0n,
    ...over,
  });

const unmapState = (c: Caller, id: bigint, vpIndex: number, type: number): Answer =>
  c.call(UnmapVpStatePage, { partitionId: id, vpIndex, type, inputVtl: 0 });

const stats = (id: bigint, vpIndex: number, area: number, over: Record<string, unknown> = {}) => ({
  type: HV_STATS_OBJECT.VP,
  identityPartitionId: id,
  identityVpIndex: vpIndex,
  identityFlags: 0,
  identityStatsAreaType: area,
  ...over,
});

const stateValues = (id: bigint, vpIndex: number, stateDataType: number) => ({
  partitionId: id,
  vpIndex,
  inputVtl: 0,
  stateDataType,
  stateDataXsaveFlags: 0n,
  stateDataXsaveStates: 0n,
});

/** GET/SET_VP_STATE of the 200-byte synthetic timers: through the output page, or 25 qwords of var header. */
function timers(c: Caller, def: typeof GetVpState | typeof SetVpState, id: bigint, vpIndex = 0): Answer {
  return issue(c, def, stateValues(id, vpIndex, HV_GET_SET_VP_STATE.SYNTHETIC_TIMERS), {
    ...(def === SetVpState ? { varHeadQwords: 25 } : {}),
  });
}

/** The PFN-based LAPIC state through one host page (`pfn`). */
function lapic(c: Caller, def: typeof GetVpState | typeof SetVpState, id: bigint, pfn: number): Answer {
  return issue(c, def, stateValues(id, 0, HV_GET_SET_VP_STATE.LAPIC_STATE), {
    varHeadQwords: 1,
    list: (page, at) => {
      page.setU64Number(at, pfn);
    },
  });
}

const kernelPage = (c: Caller): number => {
  const runs = c.machine.host.allocPages(1);
  const pfn = runs?.[0]?.pfn;
  if (pfn === undefined) throw new Error('host out of memory');
  return pfn;
};

const freePage = (c: Caller): number => {
  const e = [...c.machine.hostExtents()].find((x) => x.kind === 'free');
  if (e === undefined) throw new Error('no free host page');
  return e.start;
};

/** The VP state cases of GET or SET: the same checks, the same save-area cost. */
function vpStateCases(def: typeof GetVpState | typeof SetVpState): Record<string, (c: Caller) => Answer> {
  return {
    SUCCESS: (c) => {
      const id = readyVp(c);
      c.deposit(id, 4);
      return lapic(c, def, id, kernelPage(c));
    },
    INVALID_VP_INDEX: (c) => timers(c, def, readyVp(c), 5),
    // A PFN-based type with no page to carry it.
    INVALID_PARAMETER: (c) => issue(c, def, stateValues(readyVp(c), 0, HV_GET_SET_VP_STATE.LAPIC_STATE)),
    // A free host page is not the root's to read from or write to.
    ACCESS_DENIED: (c) => {
      const id = readyVp(c);
      c.deposit(id, 4);
      return lapic(c, def, id, freePage(c));
    },
    // The VP's save area for the type comes from the pool on first use.
    INSUFFICIENT_MEMORY: (c) => {
      const id = readyVp(c);
      c.withdrawAll(id);
      return timers(c, def, id);
    },
  };
}

export const vpCases: CaseTable = {
  CREATE_VP: {
    SUCCESS: (c) => {
      const a = c.createVp(c.readyPartition(), 3);
      expect(
        c.machine
          .partitions()
          .find((p) => !p.isRoot)
          ?.vps.map((v) => v.index),
      ).toContain(3);
      return a;
    },
    INVALID_VP_INDEX: (c) => {
      const id = readyVp(c);
      c.deposit(id, 128);
      return c.call(CreateVp, createValues(id, 0));
    },
    INVALID_PARAMETER: (c) => {
      const id = c.readyPartition();
      c.deposit(id, 128);
      return c.call(CreateVp, createValues(id, 1, { flags: 1n }));
    },
    INSUFFICIENT_MEMORY: (c) => {
      const id = c.readyPartition();
      c.withdrawAll(id);
      return c.call(CreateVp, createValues(id, 1));
    },
  },
  DELETE_VP: {
    SUCCESS: (c) => {
      const id = readyVp(c);
      const a = c.fast(DeleteVp, { partitionId: id, vpIndex: 0 });
      expect(
        c.machine
          .partitions()
          .find((p) => !p.isRoot)
          ?.vps.map((v) => v.index),
      ).toEqual([]);
      expect(c.machine.audit().violations).toEqual([]);
      return a;
    },
    INVALID_VP_INDEX: (c) => c.fast(DeleteVp, { partitionId: readyVp(c), vpIndex: 7 }),
  },
  GET_VP_REGISTERS: {
    SUCCESS: (c) => {
      const a = getRegs(c, readyVp(c), 0, [HV_REGISTER.EXPLICIT_SUSPEND]);
      expect(a.output.view.getBigUint64(0, true)).toBe(1n); // a new VP starts explicitly suspended
      return a;
    },
    INVALID_VP_INDEX: (c) => getRegs(c, readyVp(c), 9, [HV_REGISTER.EXPLICIT_SUSPEND]),
    // A register name outside the groups the model knows.
    INVALID_PARAMETER: (c) => getRegs(c, readyVp(c), 0, [0x0fff_0000]),
  },
  SET_VP_REGISTERS: {
    SUCCESS: (c) => setRegs(c, readyVp(c), 0, [[HV_REGISTER.INTERCEPT_SUSPEND, 0n]]),
    INVALID_VP_INDEX: (c) => setRegs(c, readyVp(c), 9, [[HV_REGISTER.INTERCEPT_SUSPEND, 0n]]),
    // VP_ROOT_SIGNAL_COUNT is read-only.
    INVALID_PARAMETER: (c) => setRegs(c, readyVp(c), 0, [[HV_REGISTER.VP_ROOT_SIGNAL_COUNT, 1n]]),
    // Suspend registers take 0 or 1.
    INVALID_REGISTER_VALUE: (c) => setRegs(c, readyVp(c), 0, [[HV_REGISTER.EXPLICIT_SUSPEND, 2n]]),
  },
  MAP_VP_STATE_PAGE: {
    SUCCESS: (c) => {
      const id = readyVp(c);
      c.deposit(id, 2);
      const a = mapState(c, id, 0, HV_VP_STATE_PAGE.INTERCEPT_MESSAGE);
      expect(c.machine.host.physPage(Number(a.output.view.getBigUint64(0, true))).bytes.length).toBe(4096);
      return a;
    },
    INVALID_VP_INDEX: (c) => mapState(c, readyVp(c), 4, HV_VP_STATE_PAGE.REGISTERS),
    // The GHCB page exists only for SNP partitions.
    INVALID_PARAMETER: (c) => mapState(c, readyVp(c), 0, HV_VP_STATE_PAGE.GHCB),
    // A root-provided location that is not a free kernel page of the root.
    ACCESS_DENIED: (c) =>
      mapState(c, readyVp(c), 0, HV_VP_STATE_PAGE.REGISTERS, {
        flags: 1,
        requestedMapLocation: BigInt(freePage(c)),
      }),
    INSUFFICIENT_MEMORY: (c) => {
      const id = readyVp(c);
      c.withdrawAll(id);
      return mapState(c, id, 0, HV_VP_STATE_PAGE.REGISTERS);
    },
  },
  UNMAP_VP_STATE_PAGE: {
    SUCCESS: (c) => {
      const id = readyVp(c);
      c.deposit(id, 2);
      mapState(c, id, 0, HV_VP_STATE_PAGE.REGISTERS);
      return unmapState(c, id, 0, HV_VP_STATE_PAGE.REGISTERS);
    },
    INVALID_VP_INDEX: (c) => unmapState(c, readyVp(c), 6, HV_VP_STATE_PAGE.REGISTERS),
    // Nothing mapped of that type.
    INVALID_PARAMETER: (c) => unmapState(c, readyVp(c), 0, HV_VP_STATE_PAGE.REGISTERS),
  },
  MAP_STATS_PAGE: {
    SUCCESS: (c) => {
      const id = readyVp(c);
      c.deposit(0xffff_ffff_ffff_ffffn, 2);
      return c.call(MapStatsPage, stats(id, 0, HV_STATS_AREA.SELF));
    },
    INVALID_VP_INDEX: (c) => c.call(MapStatsPage, stats(readyVp(c), 2, HV_STATS_AREA.SELF)),
    // Only the SELF and PARENT areas of VP objects are modelled (the ones the driver maps).
    INVALID_PARAMETER: (c) => c.call(MapStatsPage, stats(readyVp(c), 0, HV_STATS_AREA.INTERNAL)),
    // The page comes from the root's pool.
    INSUFFICIENT_MEMORY: (c) => {
      const id = readyVp(c);
      c.withdrawAll(0xffff_ffff_ffff_ffffn);
      return c.call(MapStatsPage, stats(id, 0, HV_STATS_AREA.SELF));
    },
  },
  UNMAP_STATS_PAGE: {
    SUCCESS: (c) => {
      const id = readyVp(c);
      c.deposit(0xffff_ffff_ffff_ffffn, 2);
      c.call(MapStatsPage, stats(id, 0, HV_STATS_AREA.PARENT));
      return c.call(UnmapStatsPage, stats(id, 0, HV_STATS_AREA.PARENT));
    },
    INVALID_VP_INDEX: (c) => c.call(UnmapStatsPage, stats(readyVp(c), 2, HV_STATS_AREA.SELF)),
    // Not mapped.
    INVALID_PARAMETER: (c) => c.call(UnmapStatsPage, stats(readyVp(c), 0, HV_STATS_AREA.SELF)),
  },
  MAP_STATS_PAGE2: {
    SUCCESS: (c) =>
      c.call(MapStatsPage2, stats(readyVp(c), 0, HV_STATS_AREA.SELF, { mapLocation: BigInt(kernelPage(c)) })),
    INVALID_VP_INDEX: (c) =>
      c.call(MapStatsPage2, stats(readyVp(c), 3, HV_STATS_AREA.SELF, { mapLocation: BigInt(kernelPage(c)) })),
    INVALID_PARAMETER: (c) =>
      c.call(
        MapStatsPage2,
        stats(readyVp(c), 0, HV_STATS_AREA.INTERNAL, { mapLocation: BigInt(kernelPage(c)) }),
      ),
    // The overlay page must be a free kernel page of the root.
    ACCESS_DENIED: (c) =>
      c.call(MapStatsPage2, stats(readyVp(c), 0, HV_STATS_AREA.SELF, { mapLocation: BigInt(freePage(c)) })),
  },
  GET_VP_STATE: vpStateCases(GetVpState),
  SET_VP_STATE: vpStateCases(SetVpState),
  DISPATCH_VP: {
    SUCCESS: configured({ scheduler: 'root' }, (c) => {
      const id = readyVp(c);
      const a = c.call(DispatchVp, { partitionId: id, vpIndex: 0, flags: 0, timeSlice: 0n, specCtrl: 0n });
      expect(a.output.view.getUint32(0, true)).toBeGreaterThan(0); // BLOCKED or READY
      return a;
    }),
    INVALID_VP_INDEX: configured({ scheduler: 'root' }, (c) =>
      c.call(DispatchVp, { partitionId: readyVp(c), vpIndex: 8, flags: 0, timeSlice: 0n, specCtrl: 0n }),
    ),
    INVALID_PARAMETER: configured({ scheduler: 'root' }, (c) =>
      c.call(DispatchVp, { partitionId: readyVp(c), vpIndex: 0, flags: 0x8000, timeSlice: 0n, specCtrl: 0n }),
    ),
    // Only the root scheduler dispatches VPs from the root.
    ACCESS_DENIED: (c) =>
      c.call(DispatchVp, { partitionId: readyVp(c), vpIndex: 0, flags: 0, timeSlice: 0n, specCtrl: 0n }),
  },
};
