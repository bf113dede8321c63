/**
 * Facts rules for hypercalls (inventory §b): control and status words, the hypercall table (codes,
 * kinds, layouts, batch bounds, and the driver's deposit policy observed on the simulated stack),
 * the other codes, the passthrough allow-lists, the status table with its errno mapping and the errno
 * values.
 */
import { expect } from 'vitest';
import { ControlBits } from '../../../src/hv/ControlWord.js';
import { Errno, type ErrnoName } from '../../../src/hv/Errno.js';
import {
  PASSTHROUGH_ALLOWED_CODES,
  PASSTHROUGH_ALLOWED_CODES_ORIG,
  PASSTHROUGH_ASYNC_CODES,
  PASSTHROUGH_SELF_ALLOWED_CODES,
} from '../../../src/hv/flags/PassthroughAllowList.js';
import { HvStatusPatchOnly, HvStatusTable, hvResultToErrno } from '../../../src/hv/HvStatus.js';
import { traitsOf, type HypercallDef } from '../../../src/hv/Hypercall.js';
import { HypercallCode, OtherHypercallCode } from '../../../src/hv/HypercallCode.js';
import { HYPERCALL_DEFS } from '../../../src/hv/hypercalls/index.js';
import { STATUS_NO_HYPERCALL_PAGE, StatusBits } from '../../../src/hv/StatusWord.js';
import { camel } from '../../hv/uapi/loadFacts.js';
import { driverTrace } from '../driverTrace.js';
import { big, type FactLeaf, type FactRule, keyOf, num, segment, sibling, str } from '../FactRule.js';

const strip = (name: unknown, prefix: string): string => String(name).replace(new RegExp(`^${prefix}`), '');

function hypercallOf(leaf: FactLeaf): HypercallDef {
  const d = HYPERCALL_DEFS.find((x) => x.name === strip(sibling(leaf, 'name'), 'HVCALL_'));
  if (d === undefined) throw new Error(`no definition for ${String(sibling(leaf, 'name'))}`);
  return d;
}

const CONTROL_FIELD: Readonly<Record<string, keyof typeof ControlBits>> = {
  call_code: 'code',
  fast: 'fast',
  varhead_size_qwords: 'varHeadQwords',
  reserved0: 'reserved0',
  nested: 'nested',
  rep_count: 'repCount',
  reserved1: 'reserved1',
  rep_start: 'repStart',
  reserved2: 'reserved2',
};

/** The code's kind for a facts kind: `simple_async` is simple + async, `simple_varhead` simple + var header. */
function kindMatches(d: HypercallDef, kind: string): boolean {
  switch (kind) {
    case 'simple_async':
      return d.kind === 'simple' && d.async === true;
    case 'simple_varhead':
      return d.kind === 'simple' && d.varHeadElement !== undefined;
    case 'simple':
      return d.kind === 'simple' && d.async !== true && d.varHeadElement === undefined;
    default:
      return d.kind === kind;
  }
}

/** What a facts `output` spelling says of a definition's output. */
function outputMatches(d: HypercallDef, output: string | null): boolean {
  if (output === null) return d.output === undefined && d.outputElement === undefined;
  const scalar = /^(\w+) (u8|u16|u32|u64)$/.exec(output);
  if (scalar !== null) {
    const [field] = d.output?.fields ?? [];
    return (
      d.output?.fields.length === 1 && field?.name === camel(scalar[1] ?? '') && field.kind === scalar[2]
    );
  }
  const struct = /^(hv_\w+) \((\d+)\)( if bytes)?$/.exec(output);
  if (struct !== null) return d.output?.name === struct[1] && d.output?.size === Number(struct[2]);
  const list = /^(?:u64 gpa list|(\d+)-byte values)$/.exec(output);
  if (list !== null) return d.outputElement?.size === Number(list[1] ?? 8);
  if (output === 'u8 per page') return d.outputElement?.size === 1;
  // Property-specific bytes: no fixed output layout is modelled, the caller reads what it asked for.
  if (output === 'property bytes') return d.output === undefined && d.outputElement === undefined;
  return false;
}

/** Deposits around the first (faulted) call of `name`: the run right before it, and those before its retry. */
function depositsAround(name: string): {
  upfront: number;
  perRetry: number;
  targets: Set<bigint>;
  ok: boolean;
} {
  const t = driverTrace(name);
  const i = t.calls.findIndex((c) => c.name === name);
  expect(t.calls[i]?.status, `${name} was faulted`).toBe(0x0b);
  let upfront = 0;
  for (let k = i - 1; k >= 0 && t.calls[k]?.name === 'DEPOSIT_MEMORY'; k--)
    upfront += t.calls[k]?.repCount ?? 0;
  const retry = t.calls.findIndex((c, k) => k > i && c.name === name);
  const between = t.calls.slice(i + 1, retry < 0 ? i + 1 : retry).filter((c) => c.name === 'DEPOSIT_MEMORY');
  return {
    upfront,
    perRetry: between.reduce((a, c) => a + c.repCount, 0),
    targets: new Set(between.map((c) => c.firstU64 ?? -1n)),
    ok: retry > i && t.calls[retry]?.status === 0,
  };
}

/** Calls the trace scenario cannot reach, and why (their `deposit` is checked by kind instead). */
const NOT_IN_TRACE: Readonly<Record<string, string>> = {
  DELETE_VP: 'issued only on the CREATE_VP error path',
  CLEAR_VIRTUAL_INTERRUPT: 'issued only by an ExtINT resampler ack',
  NOTIFY_PORT_RING_EMPTY: 'issued only when a doorbell ring fills',
  ASSERT_VIRTUAL_INTERRUPT: 'issued only when an irqfd fires',
  GET_GPA_PAGES_ACCESS_STATES: 'issued only by MSHV_GET_GPAP_ACCESS_BITMAP',
  ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS: 'SNP partitions only',
  RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS: 'SNP partitions only',
  GET_SYSTEM_PROPERTY: 'module init is not run by the driver model: it takes the scheduler from the machine',
};

function checkDeposit(leaf: FactLeaf): void {
  const d = hypercallOf(leaf);
  const text = leaf.value;
  if (text === null) {
    if (d.kind === 'passthrough') return;
    if (NOT_IN_TRACE[d.name] !== undefined) {
      expect(driverTrace().calls.some((c) => c.name === d.name)).toBe(false);
      return;
    }
    // The driver does not answer INSUFFICIENT_MEMORY on this call with a deposit.
    const t = driverTrace(d.name);
    const i = t.calls.findIndex((c) => c.name === d.name);
    expect(i, `${d.name} is issued by the trace scenario`).toBeGreaterThanOrEqual(0);
    const next = t.calls.findIndex((c, k) => k > i && c.ioctl !== t.calls[i]?.ioctl);
    const after = t.calls.slice(i + 1, next < 0 ? undefined : next);
    expect(
      after.filter((c) => c.name === 'DEPOSIT_MEMORY'),
      `${d.name}: deposit after INSUFFICIENT_MEMORY`,
    ).toEqual([]);
    return;
  }
  const s = str(leaf);
  if (s === 'passthrough only') {
    expect(PASSTHROUGH_ALLOWED_CODES).toContain(d.code);
    {
      expect(driverTrace().calls.some((c) => c.name === d.name)).toBe(false);
      return;
    }
  }
  if (s === 'NEW' || s === 'MID/NEW') {
    expect(PASSTHROUGH_ALLOWED_CODES).toContain(d.code);
    {
      expect(PASSTHROUGH_ALLOWED_CODES_ORIG).not.toContain(d.code);
      return;
    }
  }
  if (s === 'MID/NEW, overlay gpfn') {
    expect(d.doc).toMatch(/overlay GPFN/);
    return;
  }
  const m =
    /^(?:(\d+) upfront(?: \(non-root\))? \+ )?(\d+) (?:page |pages )?(?:into (root|port partition|connection partition) )?per (?:retry|INSUFFICIENT_MEMORY(?: \(ORIG\/MID\))?)$/.exec(
      s,
    );
  if (m === null) throw new Error(`${d.name}: cannot read deposit '${s}'`);
  const got = depositsAround(d.name);
  const t = driverTrace(d.name);
  const target = m[3] === 'root' || m[3] === 'port partition' ? t.rootId : t.childId;
  expect(got.upfront, `${d.name} upfront`).toBe(Number(m[1] ?? 0));
  expect(got.perRetry, `${d.name} per retry`).toBe(Number(m[2]));
  expect([...got.targets], `${d.name} deposit target`).toEqual([target]);
  expect(got.ok, `${d.name} succeeds on retry`).toBe(true);
}

export const hypercallRules: readonly FactRule[] = [
  {
    path: 'hypercall_control_word.*.lsb',
    by: 'src/hv/ControlWord.ts ControlBits',
    check: (leaf) => {
      expect(ControlBits[CONTROL_FIELD[String(segment(leaf, 1))] ?? 'code'].lsb).toBe(num(leaf));
      expect(CONTROL_FIELD[String(segment(leaf, 1))]).toBeDefined();
    },
  },
  {
    path: 'hypercall_control_word.*.width',
    by: 'src/hv/ControlWord.ts ControlBits',
    check: (leaf) => {
      expect(ControlBits[CONTROL_FIELD[String(segment(leaf, 1))] ?? 'code'].width).toBe(num(leaf));
      expect(CONTROL_FIELD[String(segment(leaf, 1))]).toBeDefined();
    },
  },
  {
    path: 'hypercall_status_word.*.lsb',
    by: 'src/hv/StatusWord.ts StatusBits',
    check: (leaf) => {
      expect(StatusBits[camel(String(segment(leaf, 1))) as 'result'].lsb).toBe(num(leaf));
    },
  },
  {
    path: 'hypercall_status_word.*.width',
    by: 'src/hv/StatusWord.ts StatusBits',
    check: (leaf) => {
      expect(StatusBits[camel(String(segment(leaf, 1))) as 'result'].width).toBe(num(leaf));
    },
  },
  {
    path: 'hypercall_status_word.*.mask',
    by: 'src/hv/StatusWord.ts StatusBits masks',
    check: (leaf) => {
      expect(StatusBits[camel(String(segment(leaf, 1))) as 'result'].mask).toBe(big(str(leaf)));
    },
  },
  {
    path: 'hypercall_status_word.no_hypercall_page',
    by: 'STATUS_NO_HYPERCALL_PAGE and hvResultToErrno',
    check: (leaf) => {
      const m = /^(0x[0-9A-F]+) -> -(E[A-Z0-9]+)$/.exec(str(leaf));
      expect(STATUS_NO_HYPERCALL_PAGE).toBe(big(m?.[1] ?? ''));
      expect(hvResultToErrno(STATUS_NO_HYPERCALL_PAGE)).toBe(-Errno[(m?.[2] ?? '') as ErrnoName]);
    },
  },
  {
    path: 'x86_64_registers.*',
    by: 'src/ports/HypervisorPort.ts',
    context:
      'Register names of the x86-64 calling convention. The port takes the same words as arguments: hypercall(control, input page, output page) → status, fastHypercall8(control, rdx), fastHypercall16(control, rdx, r8).',
  },
  {
    path: 'hypercalls[*].name',
    by: 'src/hv/HypercallCode.ts HypercallCode, src/hv/hypercalls HYPERCALL_DEFS',
    check: (leaf) => {
      const name = strip(str(leaf), 'HVCALL_');
      expect(str(leaf).startsWith('HVCALL_')).toBe(true);
      expect(Object.keys(HypercallCode)).toContain(name);
      expect(HYPERCALL_DEFS.map((d) => d.name)).toContain(name);
    },
  },
  {
    path: 'hypercalls[*].code',
    by: 'HypercallCode and the definition code',
    check: (leaf) => {
      const d = hypercallOf(leaf);
      expect(d.code).toBe(num(leaf));
      expect(HypercallCode[d.name]).toBe(num(leaf));
    },
  },
  {
    path: 'hypercalls[*].code_hex',
    by: 'the definition code',
    check: (leaf) => {
      expect(`0x${hypercallOf(leaf).code.toString(16).toUpperCase().padStart(4, '0')}`).toBe(
        str(leaf).replace(/^0X/, '0x'),
      );
    },
  },
  {
    path: 'hypercalls[*].kind',
    by: 'HypercallDef.kind / .async / .varHeadElement',
    check: (leaf) => {
      expect(kindMatches(hypercallOf(leaf), str(leaf))).toBe(true);
    },
  },
  {
    path: 'hypercalls[*].input',
    by: 'HypercallDef.input layout (fast8 partition-id inputs hold exactly partitionId)',
    check: (leaf) => {
      const input = hypercallOf(leaf).input;
      if (leaf.value === null) {
        expect(input).toBeUndefined();
        return;
      }
      if (leaf.value === 'partition_id') {
        expect(input?.fields.map((f) => f.name)).toEqual(['partitionId']);
        return;
      }
      expect(input?.name).toBe(leaf.value);
    },
  },
  {
    path: 'hypercalls[*].input_size',
    by: 'HypercallDef.input.size',
    check: (leaf) => {
      expect(hypercallOf(leaf).input?.size ?? null).toBe(leaf.value);
    },
  },
  {
    path: 'hypercalls[*].output',
    by: 'HypercallDef.output / .outputElement',
    check: (leaf) => {
      expect(outputMatches(hypercallOf(leaf), leaf.value as string | null)).toBe(true);
    },
  },
  {
    path: 'hypercalls[*].max_reps_per_call',
    by: 'traitsOf(def).batchRepsMax (null: a single call, no list)',
    check: (leaf) => {
      const t = traitsOf(hypercallOf(leaf));
      if (leaf.value === null) expect(t.batchBound).toBe('single');
      else expect(t.batchRepsMax).toBe(num(leaf));
    },
  },
  {
    path: 'hypercalls[*].deposit',
    by: 'the driver model on the simulated stack: deposits around a planned INSUFFICIENT_MEMORY (test/facts/driverTrace.ts)',
    check: checkDeposit,
  },
  {
    path: 'other_hypercall_codes.*',
    by: 'src/hv/HypercallCode.ts OtherHypercallCode',
    check: (leaf) => {
      expect(OtherHypercallCode[strip(keyOf(leaf), 'HVCALL_') as keyof typeof OtherHypercallCode]).toBe(
        num(leaf),
      );
    },
  },
  {
    path: 'passthrough_allowlist.*[*]',
    by: 'src/hv/flags/PassthroughAllowList.ts (same set, compared sorted)',
    check: (leaf) => {
      const lists: Readonly<Record<string, readonly number[]>> = {
        ORIG: PASSTHROUGH_ALLOWED_CODES_ORIG,
        NEW: PASSTHROUGH_ALLOWED_CODES,
        NEW_self_devmshv: PASSTHROUGH_SELF_ALLOWED_CODES,
        async: PASSTHROUGH_ASYNC_CODES,
      };
      const facts = (leaf.parent as unknown as number[]).map((v, i) => (i === leaf.key ? leaf.value : v));
      expect([...(lists[String(segment(leaf, 1))] ?? [])].sort()).toEqual([...facts].sort());
    },
  },
  {
    path: 'status_codes[*].name',
    by: 'src/hv/HvStatus.ts HvStatusTable',
    check: (leaf) => {
      expect(str(leaf).startsWith('HV_STATUS_')).toBe(true);
      expect(HvStatusTable.map((s) => s.name as string)).toContain(strip(leaf.value, 'HV_STATUS_'));
    },
  },
  {
    path: 'status_codes[*].code',
    by: 'HvStatusTable codes',
    check: (leaf) => {
      expect(HvStatusTable.find((s) => s.name === strip(sibling(leaf, 'name'), 'HV_STATUS_'))?.code).toBe(
        num(leaf),
      );
    },
  },
  {
    path: 'status_codes[*].code_hex',
    by: 'HvStatusTable codes',
    check: (leaf) => {
      const s = HvStatusTable.find((x) => x.name === strip(sibling(leaf, 'name'), 'HV_STATUS_'));
      expect(BigInt(s?.code ?? -1)).toBe(big(str(leaf)));
    },
  },
  {
    path: 'status_codes[*].errno',
    by: 'hvResultToErrno (first match wins; SUCCESS → 0)',
    check: (leaf) => {
      const code = BigInt(Number(sibling(leaf, 'code')));
      if (leaf.value === 0) {
        expect(hvResultToErrno(code)).toBe(0);
        return;
      }
      const m = /^-(E[A-Z0-9]+)$/.exec(str(leaf));
      expect(hvResultToErrno(code)).toBe(-Errno[(m?.[1] ?? '') as ErrnoName]);
    },
  },
  {
    path: 'status_codes_patch_only.*',
    by: 'HvStatusPatchOnly (no errno row: -EIO like any unknown code)',
    check: (leaf) => {
      const code = HvStatusPatchOnly[strip(keyOf(leaf), 'HV_STATUS_') as keyof typeof HvStatusPatchOnly];
      expect(code).toBe(num(leaf));
      expect(hvResultToErrno(BigInt(num(leaf)))).toBe(-Errno.EIO);
    },
  },
  {
    path: 'errno_values_linux.*',
    by: 'src/hv/Errno.ts Errno',
    check: (leaf) => {
      expect(-Errno[keyOf(leaf).slice(1) as ErrnoName]).toBe(num(leaf));
    },
  },
];
