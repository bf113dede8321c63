import { bool, type Codec, int, intOneOf, unknownName, u64 } from './Codec.js';
import { childPath } from './jsonPath.js';
import {
  checkFields,
  defaulted,
  expectObject,
  type LooseSpec,
  readFields,
  required,
  type SpecFor,
  writeFields,
} from './objectCodec.js';
import { describeJson } from './parseNumber.js';
import type { GuestExit, GuestExitKind } from './Scenario.js';
import { ScenarioError } from './ScenarioError.js';

type ExitFields<E extends GuestExitKind> = Omit<Extract<GuestExit, { exit: E }>, 'exit'>;

/** The fields of each guest exit kind (after `exit`). */
export const GuestExitSpecs: { readonly [E in GuestExitKind]: SpecFor<ExitFields<E>> } = {
  IO_PORT: {
    port: required(int('u16')),
    write: defaulted(bool, false),
    size: required(intOneOf([1, 2, 4] as const, 'u8')),
    value: defaulted(int('u32'), 0),
  },
  MMIO: {
    gpa: required(u64()),
    write: defaulted(bool, false),
    size: required(intOneOf([1, 2, 4, 8] as const, 'u8')),
    value: defaulted(u64(), 0n),
  },
  HALT: {},
  CPUID: { leaf: required(int('u32')), subleaf: defaulted(int('u32'), 0) },
  MSR: { msr: required(int('u32')), write: defaulted(bool, false), value: defaulted(u64(), 0n) },
  UNMAPPED_GPA: { gpa: required(u64()) },
  EXCEPTION: { vector: required(int('u8')) },
};

const kinds = Object.keys(GuestExitSpecs) as GuestExitKind[];

/**
 * One entry of a runVp guest script: `{ "exit": KIND, ...fields }`. The data of an IO_PORT or MMIO
 * access must fit its size (this describes the simulated guest, so the loader checks it).
 *
 * @example
 * guestExitCodec.read({ exit: 'IO_PORT', port: '0x3f8', write: true, size: 1, value: 72 }, '$.guest[0]');
 * // { exit: 'IO_PORT', port: 1016, write: true, size: 1, value: 72 }
 */
export const guestExitCodec: Codec<GuestExit> = {
  expected: 'a guest exit',
  read(value, path) {
    const obj = expectObject(value, path, 'a guest exit');
    const kindPath = childPath(path, 'exit');
    if (!Object.hasOwn(obj, 'exit'))
      throw new ScenarioError(kindPath, 'required', `missing required field 'exit' (${kinds.join(', ')})`);
    const kind = obj.exit;
    if (typeof kind !== 'string')
      throw new ScenarioError(kindPath, 'type', `expected an exit kind name, got ${describeJson(kind)}`);
    if (!Object.hasOwn(GuestExitSpecs, kind)) throw unknownName(kindPath, 'exit kind', kind, kinds);
    const spec: LooseSpec = GuestExitSpecs[kind as GuestExitKind];
    const what = `a ${kind} exit`;
    checkFields(obj, path, ['exit', ...Object.keys(spec)], what);
    const exit = { ...readFields<object>(obj, path, spec, what), exit: kind } as GuestExit;
    if (exit.exit === 'IO_PORT' || exit.exit === 'MMIO') {
      if (BigInt(exit.value) >> BigInt(8 * exit.size) !== 0n) {
        throw new ScenarioError(
          childPath(path, 'value'),
          'width',
          `${exit.value} does not fit a ${exit.size}-byte access`,
        );
      }
    }
    return exit;
  },
  write(value) {
    const spec: LooseSpec = GuestExitSpecs[value.exit];
    return { exit: value.exit, ...writeFields(value, spec) };
  },
};
