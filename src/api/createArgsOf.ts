import { MSHV_NUM_CPU_FEATURES_BANKS, MSHV_PT_BIT } from '../hv/uapi/flags.js';
import type { CreatePartitionArgs } from '../ports/DevicePort.js';
import { argumentError } from './HostError.js';
import type { PartitionFlag, PartitionSpec } from './PartitionSpec.js';
import { type Result, failure, success } from './Result.js';
import { u64Field } from './u64Field.js';
import { describeArg } from '../scenario/describeArg.js';

const FLAG_NAMES = Object.keys(MSHV_PT_BIT).filter((k) => k !== 'COUNT') as PartitionFlag[];

/**
 * MSHV_CREATE_PARTITION's arguments from a spec: flag names to pt_flags bits (an unknown or repeated
 * name is EINVAL naming `flags[i]`), isolation NONE, and the v2 tail exactly when
 * CPU_AND_XSAVE_FEATURES is set (the disabled-feature fields need it).
 *
 * @example
 * createArgsOf('host.createPartition', { flags: ['LAPIC', 'X2APIC'] }); // { ok: true, value: { ptFlags: 3n, ptIsolation: 0n } }
 */
export function createArgsOf(op: string, spec: PartitionSpec): Result<CreatePartitionArgs> {
  if (!Array.isArray(spec.flags))
    return failure(
      argumentError(op, 'flags', 'array', `expected MSHV_PT_BIT names (${FLAG_NAMES.join(', ')})`),
    );
  let ptFlags = 0n;
  const seen = new Set<string>();
  for (const [i, name] of spec.flags.entries()) {
    if (!isFlag(name))
      return failure(
        argumentError(
          op,
          `flags[${i}]`,
          'knownFlag',
          `${describeArg(name)} is not one of ${FLAG_NAMES.join(', ')}`,
        ),
      );
    if (seen.has(name))
      return failure(argumentError(op, `flags[${i}]`, 'duplicateFlag', `${name} is listed twice`));
    seen.add(name);
    ptFlags |= 1n << BigInt(MSHV_PT_BIT[name]);
  }
  const v2 = seen.has('CPU_AND_XSAVE_FEATURES');
  for (const field of ['disabledCpuFeatures', 'disabledXsave'] as const)
    if (spec[field] !== undefined && !v2)
      return failure(
        argumentError(
          op,
          field,
          'needsCpuAndXsaveFeatures',
          'only with the CPU_AND_XSAVE_FEATURES flag (the v2 argument)',
        ),
      );
  if (!v2) return success({ ptFlags, ptIsolation: 0n });
  const banks: readonly unknown[] = spec.disabledCpuFeatures ?? [0n, 0n];
  if (!Array.isArray(banks) || banks.length !== MSHV_NUM_CPU_FEATURES_BANKS)
    return failure(
      argumentError(op, 'disabledCpuFeatures', 'length', `expected ${MSHV_NUM_CPU_FEATURES_BANKS} banks`),
    );
  const bank0 = u64Field(op, 'disabledCpuFeatures[0]', banks[0]);
  if (!bank0.ok) return bank0;
  const bank1 = u64Field(op, 'disabledCpuFeatures[1]', banks[1]);
  if (!bank1.ok) return bank1;
  const xsave = u64Field(op, 'disabledXsave', spec.disabledXsave ?? 0n);
  if (!xsave.ok) return xsave;
  return success({
    ptFlags,
    ptIsolation: 0n,
    v2: {
      numCpuFbanks: MSHV_NUM_CPU_FEATURES_BANKS,
      cpuFbanks: [bank0.value, bank1.value],
      disabledXsave: xsave.value,
    },
  });
}

function isFlag(name: unknown): name is PartitionFlag {
  return (FLAG_NAMES as readonly unknown[]).includes(name);
}
