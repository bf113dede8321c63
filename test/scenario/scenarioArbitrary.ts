import fc from 'fast-check';
import { Errno, type ErrnoName } from '../../src/hv/Errno.js';
import { HypercallCode, type HypercallName } from '../../src/hv/HypercallCode.js';
import { hvStatusName } from '../../src/hv/HvStatus.js';
import type {
  Expect,
  FaultPlanEntry,
  GuestExit,
  HostMemoryDecl,
  HypervisorConfig,
  Scenario,
  Step,
} from '../../src/scenario/Scenario.js';

/** Arbitrary valid scenarios (format 1): every op, every exit kind, every width at its edges. */

/** fc.record without null-prototype objects (the loader returns plain objects). */
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true });

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const s32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });
const bytesOf = (n: number) => fc.array(u8, { minLength: n, maxLength: n });
const u64s = (n: number) => fc.array(u64, { minLength: n, maxLength: n });
const text = fc.string({ unit: 'binary', maxLength: 12 });
const expectArb = fc.constantFrom<Expect>('ok', ...(Object.keys(Errno) as ErrnoName[]));

/** A record whose `description` key is sometimes absent (never undefined: exactOptionalPropertyTypes). */
function withDescription<T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<T & { description?: string }> {
  return fc
    .tuple(arb, fc.option(text, { nil: undefined }))
    .map(([v, d]) => (d === undefined ? v : { ...v, description: d }));
}

const guestExit: fc.Arbitrary<GuestExit> = fc.oneof(
  fc.constantFrom(1 as const, 2 as const, 4 as const).chain((size) =>
    rec({
      exit: fc.constant('IO_PORT' as const),
      port: u16,
      write: fc.boolean(),
      size: fc.constant(size),
      value: fc.integer({ min: 0, max: 2 ** (8 * size) - 1 }),
    }),
  ),
  fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const).chain((size) =>
    rec({
      exit: fc.constant('MMIO' as const),
      gpa: u64,
      write: fc.boolean(),
      size: fc.constant(size),
      value: fc.bigInt({ min: 0n, max: (1n << BigInt(8 * size)) - 1n }),
    }),
  ),
  fc.constant({ exit: 'HALT' as const }),
  rec({ exit: fc.constant('CPUID' as const), leaf: u32, subleaf: u32 }),
  rec({ exit: fc.constant('MSR' as const), msr: u32, write: fc.boolean(), value: u64 }),
  rec({ exit: fc.constant('UNMAPPED_GPA' as const), gpa: u64 }),
  rec({ exit: fc.constant('EXCEPTION' as const), vector: u8 }),
);

const vpState = { vpIndex: u32, type: u8, rsvd: bytesOf(3), bufSize: u32 };

/** The fields of a step after `partition`, `expect` and `description`, by op. */
const opFields: fc.Arbitrary<Record<string, unknown> & { op: Step['op'] }> = fc.oneof(
  rec({
    op: fc.constant('createPartition' as const),
    flags: u64,
    isolation: u64,
    numCpuFbanks: u16,
    rsvd: bytesOf(6),
    cpuFbanks: u64s(2),
    rsvd1: u64s(2),
    disabledXsave: u64,
  }),
  rec({ op: fc.constant('initializePartition' as const) }),
  rec({
    op: fc.constant('setGuestMemory' as const),
    guestPfn: u64,
    size: u64,
    userAddr: u64,
    flags: u8,
    rsvd: bytesOf(7),
  }),
  rec({ op: fc.constant('createVp' as const), vpIndex: u32 }),
  rec({
    op: fc.constant('runVp' as const),
    vpIndex: u32,
    guest: fc.array(guestExit, { maxLength: 4 }),
    signal: fc.boolean(),
  }),
  rec({ op: fc.constant('getVpState' as const), ...vpState }),
  fc
    .record({ op: fc.constant('setVpState' as const), ...vpState })
    .chain((s) => fc.uint8Array({ maxLength: Math.min(s.bufSize, 32) }).map((data) => ({ ...s, data }))),
  rec({ op: fc.constant('irqfd' as const), fd: s32, resamplefd: s32, gsi: u32, flags: u32 }),
  rec({
    op: fc.constant('ioeventfd' as const),
    datamatch: u64,
    addr: u64,
    len: u32,
    fd: s32,
    flags: u32,
    rsvd: bytesOf(4),
  }),
  rec({
    op: fc.constant('setMsiRouting' as const),
    entries: fc.array(rec({ gsi: u32, addressLo: u32, addressHi: u32, data: u32 }), { maxLength: 4 }),
    rsvd: u32,
  }),
  rec({
    op: fc.constant('getGpapAccessBitmap' as const),
    accessType: u8,
    accessOp: u8,
    rsvd: bytesOf(6),
    pageCount: u64,
    gpapBase: u64,
  }),
  fc
    .record({
      op: fc.constant('rootHvcall' as const),
      code: u16,
      reps: u16,
      input: fc.uint8Array({ maxLength: 40 }),
      outSize: u16,
      status: u16,
      rsvd: bytesOf(6),
    })
    .chain((s) =>
      fc.oneof(
        u32.map((vpIndex) => ({ ...s, target: 'vp' as const, vpIndex })),
        fc.constantFrom('partition' as const, 'device' as const).map((target) => ({ ...s, target })),
      ),
    ),
  rec({ op: fc.constant('closePartition' as const) }),
  // expectCount needs expect ok (the common fields are drawn apart): the loader tests cover it.
  rec({ op: fc.constant('readEventfd' as const), fd: s32 }),
  rec({ op: fc.constant('writeEventfd' as const), fd: s32, value: u64 }),
  rec({
    op: fc.constant('migrateUserPages' as const),
    userAddr: fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }).map((p) => p * 4096n),
    size: fc.bigInt({ min: 1n, max: 1n << 20n }).map((p) => p * 4096n),
  }),
);

/** Host memory laid out upwards without overlap, each range aligned to its page size. */
const hostMemory: fc.Arbitrary<HostMemoryDecl[]> = fc
  .array(
    rec({
      mmio: fc.boolean(),
      large: fc.boolean(),
      gapPages: fc.nat(3),
      pages: fc.integer({ min: 1, max: 4 }),
      spaPage: fc.bigInt({ min: 0n, max: (1n << 52n) - 16n }),
    }),
    { maxLength: 4 },
  )
  .map((specs) => {
    let cursor = 0x7f00_0000_0000n;
    return specs.map(({ mmio, large, gapPages, pages, spaPage }): HostMemoryDecl => {
      const pageSize: 4096 | 2097152 = !mmio && large ? 2097152 : 4096;
      const page = BigInt(pageSize);
      const userAddr = ((cursor + page - 1n) / page) * page + BigInt(gapPages) * page;
      const size = BigInt(pages) * page;
      cursor = userAddr + size;
      return mmio
        ? { kind: 'mmio', userAddr, size, spa: spaPage << 12n }
        : { kind: 'ram', userAddr, size, pageSize };
    });
  });

const fault: fc.Arbitrary<FaultPlanEntry> = fc
  .record({
    call: fc.constantFrom(...(Object.keys(HypercallCode) as HypercallName[])),
    nth: fc.integer({ min: 1, max: 0xffff_ffff }),
    status: fc.oneof(fc.constantFrom(0x0b, 0x06, 0x75, 0), u16),
  })
  .map((f) => ({ ...f, statusName: hvStatusName(f.status) }));

const hypervisor: fc.Arbitrary<HypervisorConfig> = fc
  .tuple(
    fc.constantFrom('lp' as const, 'lp-smt' as const, 'core-smt' as const, 'root' as const),
    fc.option(fc.integer({ min: 1, max: 0xffff_ffff }), { nil: undefined }),
    fc.array(fault, { maxLength: 4 }),
  )
  .map(([scheduler, repTimeSlice, faults]) =>
    repTimeSlice === undefined ? { scheduler, faults } : { scheduler, repTimeSlice, faults },
  );

const createDefaults = {
  flags: 0n,
  isolation: 0n,
  numCpuFbanks: 2,
  rsvd: [0, 0, 0, 0, 0, 0],
  cpuFbanks: [0n, 0n],
  rsvd1: [0n, 0n],
  disabledXsave: 0n,
};

/** Partition names are created first (each by a createPartition step), then used by any step. */
const steps: fc.Arbitrary<Step[]> = fc
  .uniqueArray(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 })
  .chain((names) =>
    fc
      .array(
        withDescription(rec({ partition: fc.constantFrom(...names), expect: expectArb, fields: opFields })),
        { maxLength: 12 },
      )
      .map((rest) =>
        closeBeforeRecreate([
          ...names.map((partition): Step => ({
            op: 'createPartition',
            partition,
            expect: 'ok',
            ...createDefaults,
          })),
          ...rest.map(({ fields, ...common }) => ({ ...fields, ...common }) as unknown as Step),
        ]),
      ),
  );

/**
 * The loader refuses a createPartition expecting ok under a name still open (rule `conflict`):
 * such a step gets a closePartition of the name before it.
 */
function closeBeforeRecreate(steps: readonly Step[]): Step[] {
  const open = new Set<string>();
  const out: Step[] = [];
  for (const step of steps) {
    if (step.op === 'closePartition') open.delete(step.partition);
    if (step.op === 'createPartition' && step.expect === 'ok') {
      if (open.has(step.partition))
        out.push({ op: 'closePartition', partition: step.partition, expect: 'ok' });
      open.add(step.partition);
    }
    out.push(step);
  }
  return out;
}

export const scenarioArbitrary: fc.Arbitrary<Scenario> = withDescription(
  rec({
    format: fc.constant(1 as const),
    name: fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }),
    seed: u32,
    hypervisor,
    hostMemory,
    steps,
  }),
);
