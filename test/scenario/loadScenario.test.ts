import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenarioText } from '../../src/scenario/loadScenario.js';
import type { Scenario } from '../../src/scenario/Scenario.js';
import { faultCodec } from '../../src/scenario/hypervisorCodec.js';
import { ScenarioError, type ScenarioRule, ScenarioRules } from '../../src/scenario/ScenarioError.js';
import { contractExampleText } from './contractExample.js';

/** What a zeroed struct mshv_create_partition(_v2) carries, with the banks count the kernel requires. */
const createDefaults = {
  isolation: 0n,
  numCpuFbanks: 2,
  rsvd: [0, 0, 0, 0, 0, 0],
  cpuFbanks: [0n, 0n],
  rsvd1: [0n, 0n],
  disabledXsave: 0n,
};
const memRsvd = [0, 0, 0, 0, 0, 0, 0];

describe('loadScenario: the contract example (scenario-format.md, version 1)', () => {
  it('loads to the expected typed value', () => {
    const expected: Scenario = {
      format: 1,
      name: 'boot-4k',
      seed: 7,
      hypervisor: {
        scheduler: 'core-smt',
        repTimeSlice: 300,
        faults: [{ call: 'MAP_GPA_PAGES', nth: 2, status: 0x0b, statusName: 'INSUFFICIENT_MEMORY' }],
      },
      hostMemory: [
        { kind: 'ram', userAddr: 0x7f0000000000n, size: 1n << 30n, pageSize: 4096 },
        { kind: 'ram', userAddr: 0x7f4000000000n, size: 1n << 30n, pageSize: 2097152 },
        { kind: 'mmio', userAddr: 0x7f8000000000n, size: 0x10000n, spa: 0xfe000000n },
      ],
      steps: [
        // LAPIC | X2APIC | GPA_SUPER_PAGES = bits 0, 1, 2 (inventory §a.5)
        { op: 'createPartition', partition: 'vm0', expect: 'ok', flags: 0b111n, ...createDefaults },
        { op: 'initializePartition', partition: 'vm0', expect: 'ok' },
        {
          op: 'setGuestMemory',
          partition: 'vm0',
          expect: 'ok',
          guestPfn: 0n,
          size: 1n << 30n,
          userAddr: 0x7f0000000000n,
          flags: 0b011, // WRITABLE | EXECUTABLE
          rsvd: memRsvd,
        },
        { op: 'createVp', partition: 'vm0', expect: 'ok', vpIndex: 0 },
        {
          op: 'runVp',
          partition: 'vm0',
          expect: 'ok',
          vpIndex: 0,
          guest: [{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 72 }, { exit: 'HALT' }],
          signal: false,
        },
        {
          op: 'setGuestMemory',
          partition: 'vm0',
          expect: 'ok',
          guestPfn: 0n,
          size: 1n << 30n,
          userAddr: 0x7f0000000000n,
          flags: 0b100, // UNMAP
          rsvd: memRsvd,
        },
        { op: 'createVp', partition: 'vm0', expect: 'EINVAL', vpIndex: 256 },
        { op: 'closePartition', partition: 'vm0', expect: 'ok' },
      ],
    };
    expect(parseScenarioText(contractExampleText)).toStrictEqual(expected);
    expect(loadScenario(JSON.parse(contractExampleText))).toStrictEqual(expected);
  });

  it('leaves vpIndex 256 to the driver (§d: a scenario expects EINVAL on it) but not 2^32 (uapi width)', () => {
    const s = JSON.parse(contractExampleText) as { steps: Record<string, unknown>[] };
    s.steps[6]!.vpIndex = 4294967295;
    expect(loadScenario(s).steps[6]).toMatchObject({ vpIndex: 4294967295 });
    s.steps[6]!.vpIndex = 4294967296;
    expect(() => loadScenario(s)).toThrow('$.steps[6].vpIndex: 4294967296 does not fit u32');
  });

  it('reads a late completion (extension): CALL_PENDING on SET_PARTITION_PROPERTY with completionDelayNs, and writes it back', () => {
    const fault = {
      call: 'SET_PARTITION_PROPERTY',
      nth: 2,
      status: 'CALL_PENDING',
      completionDelayNs: '3000000',
    };
    const s = loadScenario({ format: 1, name: 'n', seed: 0, hypervisor: { faults: [fault] }, steps: [] });
    expect(s.hypervisor.faults).toEqual([
      {
        call: 'SET_PARTITION_PROPERTY',
        nth: 2,
        status: 0x79,
        statusName: 'CALL_PENDING',
        completionDelayNs: 3_000_000n,
      },
    ]);
    expect(faultCodec.read(faultCodec.write(s.hypervisor.faults[0]!), '$.f')).toEqual(s.hypervisor.faults[0]);
  });

  it('writes a fault status by its name whenever it has one, UNKNOWN_PROPERTY included (inventory §b.2)', () => {
    // HV_STATUS_UNKNOWN_PROPERTY (0x09) was written as the number 9: the writer took every name
    // starting with UNKNOWN_ for the form a code no table knows (UNKNOWN_0x....) gets.
    for (const status of ['UNKNOWN_PROPERTY', 'INSUFFICIENT_CONTIGUOUS_MEMORY', 'TIME_OUT']) {
      const read = faultCodec.read({ call: 'SET_PARTITION_PROPERTY', nth: 1, status }, '$.f');
      expect(faultCodec.write(read)).toEqual({ call: 'SET_PARTITION_PROPERTY', nth: 1, status });
    }
    const raw = faultCodec.read({ call: 'CREATE_VP', nth: 1, status: 0x1234 }, '$.f');
    expect(raw.statusName).toBe('UNKNOWN_0x1234');
    expect(faultCodec.write(raw)).toEqual({ call: 'CREATE_VP', nth: 1, status: 0x1234 });
  });

  it('fills what a scenario may leave out: scheduler core-smt, no faults, no host memory, expect ok', () => {
    expect(loadScenario({ format: 1, name: 'n', seed: 0, steps: [] })).toStrictEqual({
      format: 1,
      name: 'n',
      seed: 0,
      hypervisor: { scheduler: 'core-smt', faults: [] },
      hostMemory: [],
      steps: [],
    });
  });

  it('reads the eventfd ops (extension): fd, expectCount when given, value 1 by default', () => {
    const s = loadScenario({
      format: 1,
      name: 'e',
      seed: 1,
      steps: [
        { op: 'createPartition', partition: 'vm0' },
        { op: 'writeEventfd', partition: 'vm0', fd: 4 },
        { op: 'readEventfd', partition: 'vm0', fd: 4, expectCount: '0x1' },
        { op: 'readEventfd', partition: 'vm0', fd: -1, expect: 'EBADF' },
      ],
    });
    expect(s.steps.slice(1)).toStrictEqual([
      { op: 'writeEventfd', partition: 'vm0', expect: 'ok', fd: 4, value: 1n },
      { op: 'readEventfd', partition: 'vm0', expect: 'ok', fd: 4, expectCount: 1n },
      { op: 'readEventfd', partition: 'vm0', expect: 'EBADF', fd: -1 },
    ]);
  });

  it('refuses a second createPartition of a name still open (review finding 4: the first partition was orphaned)', () => {
    const steps = [
      { op: 'createPartition', partition: 'vm0' },
      { op: 'createVp', partition: 'vm0', vpIndex: 0 },
      { op: 'createPartition', partition: 'vm0', flags: ['LAPIC'] },
      { op: 'closePartition', partition: 'vm0' },
    ];
    let error: unknown;
    try {
      loadScenario({ format: 1, name: 'n', seed: 0, steps });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error).toMatchObject({ path: '$.steps[2].partition', rule: 'conflict' });
    expect((error as Error).message).toBe(
      "$.steps[2].partition: partition 'vm0' is still open (created by $.steps[0], not closed since); close it (closePartition) before creating it again, or use another name",
    );
  });

  it('allows a name again once closed, and a create expected to fail under an open name (it binds nothing)', () => {
    const steps = [
      { op: 'createPartition', partition: 'vm0' },
      { op: 'createPartition', partition: 'vm0', flags: '0x8000000000000000', expect: 'EINVAL' },
      { op: 'closePartition', partition: 'vm0' },
      { op: 'createPartition', partition: 'vm0', flags: ['LAPIC'] },
      { op: 'createPartition', partition: 'vm1', expect: 'EINVAL', flags: '0x8000000000000000' },
      { op: 'createPartition', partition: 'vm1' },
    ];
    expect(loadScenario({ format: 1, name: 'n', seed: 0, steps }).steps.map((s) => s.op)).toHaveLength(6);
  });

  it('gives every loaded scenario its own default objects', () => {
    const a = loadScenario({ format: 1, name: 'n', seed: 0, steps: [] });
    (a.hypervisor.faults as unknown[]).push('x');
    expect(loadScenario({ format: 1, name: 'n', seed: 0, steps: [] }).hypervisor.faults).toEqual([]);
  });
});

/** A small valid scenario that each case below breaks in one place. */
function base(): Record<string, unknown> & {
  steps: Record<string, unknown>[];
  hypervisor: Record<string, unknown>;
} {
  return {
    format: 1,
    name: 'base',
    seed: 1,
    hypervisor: { scheduler: 'lp', faults: [{ call: 'CREATE_VP', nth: 1, status: 'INSUFFICIENT_MEMORY' }] },
    hostMemory: [{ userAddr: '0x7f0000000000', size: '2MiB', pageSize: '4K' }],
    steps: [
      { op: 'createPartition', partition: 'vm0', flags: ['LAPIC'] },
      { op: 'setGuestMemory', partition: 'vm0', guestPfn: 0, size: '2MiB', userAddr: '0x7f0000000000' },
      { op: 'runVp', partition: 'vm0', vpIndex: 0, guest: [{ exit: 'IO_PORT', port: 1, size: 1 }] },
      { op: 'rootHvcall', partition: 'vm0', code: 'GET_PARTITION_PROPERTY', input: '00' },
      { op: 'setVpState', partition: 'vm0', vpIndex: 0, type: 'LAPIC', bufSize: 4 },
      { op: 'irqfd', partition: 'vm0', fd: 1, gsi: 0 },
    ],
  };
}

type Case = [string, (s: ReturnType<typeof base>) => void, string, ScenarioRule];

const cases: Case[] = [
  ['unknown top-level field', (s) => (s.seeds = 1), '$.seeds', 'unknown-field'],
  ['unknown step field', (s) => (s.steps[1]!.guestpfn = 0), '$.steps[1].guestpfn', 'unknown-field'],
  [
    'unknown field of a guest exit',
    (s) => ((s.steps[2]!.guest as object[])[0] = { exit: 'HALT', port: 1 }),
    '$.steps[2].guest[0].port',
    'unknown-field',
  ],
  [
    'unknown field of the hypervisor',
    (s) => (s.hypervisor.timeSlice = 1),
    '$.hypervisor.timeSlice',
    'unknown-field',
  ],
  ['unknown op', (s) => (s.steps[1]!.op = 'mapMemory'), '$.steps[1].op', 'unknown-op'],
  ['op of the wrong case', (s) => (s.steps[1]!.op = 'SetGuestMemory'), '$.steps[1].op', 'unknown-op'],
  ['wrong type: name', (s) => (s.name = 5), '$.name', 'type'],
  ['wrong type: a step', (s) => ((s.steps as unknown[])[0] = []), '$.steps[0]', 'type'],
  ['wrong type: guest', (s) => (s.steps[2]!.guest = {}), '$.steps[2].guest', 'type'],
  [
    'wrong type: write',
    (s) => ((s.steps[2]!.guest as object[])[0] = { exit: 'MMIO', gpa: 0, size: 1, write: 1 }),
    '$.steps[2].guest[0].write',
    'type',
  ],
  ['wrong type: flags as one name', (s) => (s.steps[0]!.flags = 'LAPIC'), '$.steps[0].flags', 'type'],
  ['unit typo', (s) => (s.steps[1]!.size = '2MB'), '$.steps[1].size', 'unit'],
  ['u8 too wide: set-mem flags', (s) => (s.steps[1]!.flags = 256), '$.steps[1].flags', 'width'],
  [
    'u8 too wide: rsvd element',
    (s) => (s.steps[1]!.rsvd = [0, 0, 0, 0, 0, 0, 256]),
    '$.steps[1].rsvd[6]',
    'width',
  ],
  ['u16 too wide: reps', (s) => (s.steps[3]!.reps = 65536), '$.steps[3].reps', 'width'],
  ['u32 too wide: vpIndex', (s) => (s.steps[2]!.vpIndex = 2 ** 32), '$.steps[2].vpIndex', 'width'],
  [
    'u64 too wide: guestPfn',
    (s) => (s.steps[1]!.guestPfn = '0x10000000000000000'),
    '$.steps[1].guestPfn',
    'width',
  ],
  ['s32 too wide: fd', (s) => (s.steps[5]!.fd = 2 ** 31), '$.steps[5].fd', 'width'],
  [
    'IO data too wide for its size',
    (s) => ((s.steps[2]!.guest as object[])[0] = { exit: 'IO_PORT', port: 1, size: 1, value: 256 }),
    '$.steps[2].guest[0].value',
    'width',
  ],
  [
    'input longer than in_sz (u16) holds',
    (s) => (s.steps[3]!.input = '00'.repeat(65536)),
    '$.steps[3].input',
    'width',
  ],
  ['negative', (s) => (s.steps[2]!.vpIndex = -1), '$.steps[2].vpIndex', 'negative'],
  ['bad hex number', (s) => (s.steps[1]!.userAddr = '0x7f00000g0000'), '$.steps[1].userAddr', 'hex'],
  ['bad hex bytes', (s) => (s.steps[3]!.input = '0x00'), '$.steps[3].input', 'hex'],
  ['odd hex bytes', (s) => (s.steps[3]!.input = '000'), '$.steps[3].input', 'hex'],
  ['not a number', (s) => (s.seed = 'seven'), '$.seed', 'number-syntax'],
  ['JSON number above 2^53', (s) => (s.steps[1]!.guestPfn = 2 ** 53 + 2), '$.steps[1].guestPfn', 'precision'],
  ['fraction', (s) => (s.seed = 1.5), '$.seed', 'integer'],
  [
    'hex bytes: whitespace inside a byte (review finding 11)',
    (s) => (s.steps[3]!.input = '0 a'),
    '$.steps[3].input',
    'hex',
  ],
  [
    'host RAM above the 4 TiB in all (review finding 3)',
    (s) =>
      (s.hostMemory = [
        { userAddr: '0x0', size: '3TiB', pageSize: '2M' },
        { userAddr: '0x40000000000', size: '1TiB', mmio: true, spa: 0 },
        { userAddr: '0x50000000000', size: '2TiB', pageSize: '4K' },
      ]),
    '$.hostMemory[2].size',
    'range',
  ],
  [
    'unknown errno in expect',
    (s) => (s.steps[1]!.expect = 'EWOULDBLOCK'),
    '$.steps[1].expect',
    'unknown-name',
  ],
  ['errno written negative', (s) => (s.steps[1]!.expect = '-EINVAL'), '$.steps[1].expect', 'unknown-name'],
  [
    'unknown fault call',
    (s) => (s.hypervisor.faults = [{ call: 'MAP_GPA', nth: 1, status: 'ACCESS_DENIED' }]),
    '$.hypervisor.faults[0].call',
    'unknown-name',
  ],
  [
    'unknown fault status name',
    (s) => (s.hypervisor.faults = [{ call: 'CREATE_VP', nth: 1, status: 'OUT_OF_MEMORY' }]),
    '$.hypervisor.faults[0].status',
    'unknown-name',
  ],
  [
    'unknown flag name',
    (s) => (s.steps[0]!.flags = ['LAPIC', 'X2APCI']),
    '$.steps[0].flags[1]',
    'unknown-name',
  ],
  ['unknown scheduler', (s) => (s.hypervisor.scheduler = 'core'), '$.hypervisor.scheduler', 'unknown-name'],
  [
    'unknown exit kind',
    (s) => ((s.steps[2]!.guest as object[])[0] = { exit: 'HLT' }),
    '$.steps[2].guest[0].exit',
    'unknown-name',
  ],
  ['unknown VP state type', (s) => (s.steps[4]!.type = 'FPU'), '$.steps[4].type', 'unknown-name'],
  [
    'duplicate flag',
    (s) => (s.steps[0]!.flags = ['LAPIC', 'LAPIC']),
    '$.steps[0].flags[1]',
    'duplicate-flag',
  ],
  [
    'unknown partition name',
    (s) => (s.steps[1]!.partition = 'vm1'),
    '$.steps[1].partition',
    'unknown-partition',
  ],
  [
    'partition used before it is created',
    (s) => s.steps.reverse(),
    '$.steps[0].partition',
    'unknown-partition',
  ],
  ['empty partition name', (s) => (s.steps[0]!.partition = ''), '$.steps[0].partition', 'empty'],
  ['missing field', (s) => delete s.steps[2]!.vpIndex, '$.steps[2].vpIndex', 'required'],
  ['missing op', (s) => delete s.steps[2]!.op, '$.steps[2].op', 'required'],
  ['missing steps', (s) => delete (s as Record<string, unknown>).steps, '$.steps', 'required'],
  ['format 2', (s) => (s.format = 2), '$.format', 'format'],
  ['format as a string', (s) => (s.format = '1'), '$.format', 'format'],
  ['rsvd of the wrong length', (s) => (s.steps[1]!.rsvd = [0, 0, 0, 0, 0, 0]), '$.steps[1].rsvd', 'length'],
  [
    'fault nth 0 (nth is 1-based)',
    (s) => (s.hypervisor.faults = [{ call: 'CREATE_VP', nth: 0, status: 0 }]),
    '$.hypervisor.faults[0].nth',
    'range',
  ],
  [
    'late completion on a call that is not asynchronous',
    (s) =>
      (s.hypervisor.faults = [
        { call: 'CREATE_VP', nth: 1, status: 'CALL_PENDING', completionDelayNs: 1000 },
      ]),
    '$.hypervisor.faults[0].completionDelayNs',
    'conflict',
  ],
  [
    'completion delay with a status other than CALL_PENDING',
    (s) =>
      (s.hypervisor.faults = [
        { call: 'SET_PARTITION_PROPERTY', nth: 1, status: 'TIME_OUT', completionDelayNs: 1000 },
      ]),
    '$.hypervisor.faults[0].completionDelayNs',
    'conflict',
  ],
  [
    'two faults for the same call and nth (the second could never fire)',
    (s) =>
      (s.hypervisor.faults = [
        { call: 'CREATE_VP', nth: 1, status: 'INSUFFICIENT_MEMORY' },
        { call: 'MAP_GPA_PAGES', nth: 1, status: 'ACCESS_DENIED' },
        { call: 'CREATE_VP', nth: 1, status: 'ACCESS_DENIED' },
      ]),
    '$.hypervisor.faults[2]',
    'conflict',
  ],
  ['repTimeSlice 0', (s) => (s.hypervisor.repTimeSlice = 0), '$.hypervisor.repTimeSlice', 'range'],
  [
    'IO access size 3',
    (s) => ((s.steps[2]!.guest as object[])[0] = { exit: 'IO_PORT', port: 1, size: 3 }),
    '$.steps[2].guest[0].size',
    'range',
  ],
  [
    'host page size 8K',
    (s) => (s.hostMemory = [{ userAddr: 0, size: '8K', pageSize: '8K' }]),
    '$.hostMemory[0].pageSize',
    'range',
  ],
  [
    'host memory size 0',
    (s) => (s.hostMemory = [{ userAddr: 0, size: 0, pageSize: '4K' }]),
    '$.hostMemory[0].size',
    'range',
  ],
  [
    'setVpState data larger than bufSize',
    (s) => (s.steps[4]!.data = '0000000000'),
    '$.steps[4].data',
    'range',
  ],
  [
    '2M host memory not 2M aligned',
    (s) => (s.hostMemory = [{ userAddr: '0x7f0000100000', size: '2M', pageSize: '2M' }]),
    '$.hostMemory[0].userAddr',
    'alignment',
  ],
  [
    'MMIO spa not page aligned',
    (s) => (s.hostMemory = [{ userAddr: 0, size: '4K', mmio: true, spa: '0x10' }]),
    '$.hostMemory[0].spa',
    'alignment',
  ],
  [
    'overlapping host memory',
    (s) =>
      (s.hostMemory = [
        { userAddr: 0, size: '8K', pageSize: '4K' },
        { userAddr: '4K', size: '4K', mmio: true, spa: 0 },
      ]),
    '$.hostMemory[1]',
    'overlap',
  ],
  [
    'pageSize on an MMIO range',
    (s) => (s.hostMemory = [{ userAddr: 0, size: '4K', mmio: true, spa: 0, pageSize: '4K' }]),
    '$.hostMemory[0].pageSize',
    'conflict',
  ],
  [
    'spa on a RAM range',
    (s) => (s.hostMemory = [{ userAddr: 0, size: '4K', pageSize: '4K', spa: 0 }]),
    '$.hostMemory[0].spa',
    'conflict',
  ],
  ['vpIndex on a partition-fd hvcall', (s) => (s.steps[3]!.vpIndex = 0), '$.steps[3].vpIndex', 'conflict'],
  ['VP-fd hvcall without vpIndex', (s) => (s.steps[3]!.target = 'vp'), '$.steps[3].vpIndex', 'required'],
  [
    'readEventfd expectCount with an errno expected (extension)',
    (s) => s.steps.push({ op: 'readEventfd', partition: 'vm0', fd: 3, expectCount: 1, expect: 'EAGAIN' }),
    '$.steps[6].expectCount',
    'conflict',
  ],
  [
    'readEventfd expectCount 0 (an empty eventfd is EAGAIN)',
    (s) => s.steps.push({ op: 'readEventfd', partition: 'vm0', fd: 3, expectCount: 0 }),
    '$.steps[6].expectCount',
    'range',
  ],
  [
    'readEventfd without fd',
    (s) => s.steps.push({ op: 'readEventfd', partition: 'vm0' }),
    '$.steps[6].fd',
    'required',
  ],
  [
    'migrateUserPages at an address that is not 4 KiB aligned (extension)',
    (s) => s.steps.push({ op: 'migrateUserPages', partition: 'vm0', userAddr: '0x7f0000000800', size: '4K' }),
    '$.steps[6].userAddr',
    'range',
  ],
  [
    'migrateUserPages of no bytes',
    (s) => s.steps.push({ op: 'migrateUserPages', partition: 'vm0', userAddr: '0x7f0000000000', size: 0 }),
    '$.steps[6].size',
    'range',
  ],
  [
    'migrateUserPages of a size that is not a multiple of 4 KiB',
    (s) => s.steps.push({ op: 'migrateUserPages', partition: 'vm0', userAddr: '0x7f0000000000', size: 6144 }),
    '$.steps[6].size',
    'range',
  ],
  [
    'migrateUserPages past 2^64',
    (s) =>
      s.steps.push({ op: 'migrateUserPages', partition: 'vm0', userAddr: '0xfffffffffffff000', size: '8K' }),
    '$.steps[6].size',
    'range',
  ],
  [
    'migrateUserPages without size',
    (s) => s.steps.push({ op: 'migrateUserPages', partition: 'vm0', userAddr: '0x7f0000000000' }),
    '$.steps[6].size',
    'required',
  ],
  [
    'writeEventfd value beyond u64',
    (s) => s.steps.push({ op: 'writeEventfd', partition: 'vm0', fd: 3, value: '0x10000000000000000' }),
    '$.steps[6].value',
    'width',
  ],
];

describe('loadScenario errors name the JSON path and the rule (scenario contract; issue 4)', () => {
  it.each(cases)('%s', (_, breakIt, path, rule) => {
    const s = base();
    expect(() => loadScenario(s)).not.toThrow();
    breakIt(s);
    let error: unknown;
    try {
      loadScenario(s);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const e = error as ScenarioError;
    expect({ path: e.path, rule: e.rule }).toEqual({ path, rule });
    expect(e.message.startsWith(`${path}: `)).toBe(true);
  });

  it('suggests the intended name for near misses', () => {
    const s = base();
    s.steps[2]!.vpindex = 0;
    delete s.steps[2]!.vpIndex;
    expect(() => loadScenario(s)).toThrow(
      "$.steps[2].vpindex: unknown field 'vpindex' in a runVp step, did you mean 'vpIndex'?",
    );
    const t = base();
    t.steps[1]!.op = 'setguestmemory';
    expect(() => loadScenario(t)).toThrow("unknown op 'setguestmemory', did you mean 'setGuestMemory'?");
  });

  it('every rule of the format is reachable (each has a case here or in the JSON tests)', () => {
    const jsonOnly: ScenarioRule[] = ['json-syntax', 'json-limit', 'duplicate-key'];
    expect(new Set([...cases.map((c) => c[3]), ...jsonOnly])).toEqual(new Set(ScenarioRules));
  });
});

describe('parseScenarioText locates errors in the text', () => {
  it('reports line and column of the offending value', () => {
    const text = [
      '{ "format": 1, "name": "x", "seed": 1,',
      '  "steps": [',
      '    { "op": "createVp", "partition": "p", "vpIndex": 0 }',
      '  ] }',
    ].join('\n');
    expect(() => parseScenarioText(text)).toThrow(
      "line 3, column 38: $.steps[0].partition: partition 'p' is not created by an earlier createPartition step (created: none yet)",
    );
  });

  it('points a missing field at the object that lacks it', () => {
    const text = '{ "format": 1, "name": "x", "seed": 1,\n  "steps": [\n   { "op": "createPartition" } ] }';
    try {
      parseScenarioText(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({
        path: '$.steps[0].partition',
        rule: 'required',
        position: { line: 3, column: 4 },
      });
    }
  });

  it('reports JSON syntax errors with line and column', () => {
    const text = '{\n  "format": 1,\n  "name": "x"\n  "seed": 1\n}';
    try {
      parseScenarioText(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ rule: 'json-syntax', position: { line: 4, column: 3 } });
      expect((e as Error).message).toBe(
        "line 4, column 3: $.name: JSON syntax: expected ',' or '}' after a member, found character \"\\\"\"",
      );
    }
  });

  it('keeps the digits of a JSON number beyond 2^53 in its message', () => {
    expect(() => parseScenarioText('{"format":1,"name":"x","seed":18446744073709551615,"steps":[]}')).toThrow(
      'line 1, column 31: $.seed: JSON number 18446744073709551615 is beyond 2^53 and would be rounded; write it as a string, e.g. "18446744073709551615"',
    );
  });
});
