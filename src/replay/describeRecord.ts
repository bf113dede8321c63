import { decodeControl } from '../hv/ControlWord.js';
import { hvStatusName } from '../hv/HvStatus.js';
import type { HypercallDef } from '../hv/Hypercall.js';
import { hypercallDefByCode } from '../hv/hypercalls/index.js';
import { decodeStatus } from '../hv/StatusWord.js';
import type { StructLayout } from '../hv/Layout.js';
import { canonicalJson } from '../log/canonicalJson.js';
import { bytesToHex, wordToHex } from '../log/hexBytes.js';
import type { HypercallRecord, LogRecord } from '../log/LogRecord.js';

/** Longest JSON shown on one report line before it is cut. */
const JSON_LINE_CHARS_MAX = 240;

/**
 * A record as report lines, decoded: a hypercall by its call name, control word fields, status name
 * and byte counts; an operation with its fd, request and arguments; a result with its value or
 * errno and hypervisor status.
 *
 * @example
 * describeRecord({ kind: 'transition', machine: 'vm0', from: 'created', event: 'INITIALIZE', to: 'initialized' });
 * // ['transition vm0: created --INITIALIZE--> initialized']
 */
export function describeRecord(r: LogRecord): string[] {
  switch (r.kind) {
    case 'intent':
      return [`intent ${r.name} ${shortJson(r.args)}`];
    case 'transition':
      return [`transition ${r.machine}: ${r.from} --${r.event}--> ${r.to}`];
    case 'operation':
      return [
        `operation ${r.id ?? '-'} ${r.name} on fd ${r.fd ?? '/dev/mshv'} (partition ${r.partition ?? '-'}, vp ${r.vp ?? '-'}, request 0x${r.request.toString(16).padStart(8, '0')})`,
        `args ${shortJson(r.args)}`,
      ];
    case 'result':
      return r.outcome.ok
        ? [`result ${r.id ?? '-'} ${r.op}: ok, value ${shortJson(r.outcome.value)}`]
        : [
            `result ${r.id ?? '-'} ${r.op}: failed ${r.outcome.errnoName} (${r.outcome.errno})` +
              (r.outcome.hvStatus === null
                ? ''
                : `, HV_STATUS_${r.outcome.hvStatusName ?? hvStatusName(r.outcome.hvStatus)} (${hex16(r.outcome.hvStatus)}) from ${r.outcome.hypercall ?? '?'}`),
            `message ${JSON.stringify(r.outcome.message)}`,
          ];
    case 'snapshot':
      return [`snapshot (${canonicalJson(r.state).length} bytes of state)`];
    case 'hypercall':
      return describeHypercall(r);
  }
}

/**
 * A hypercall record decoded with src/hv: the call, the control word's fields, the status word's
 * result name and reps completed, and the sizes of input and output.
 *
 * @example
 * describeHypercall(record)[1]; // 'control 0x000001fd0000004b: rep count 509, rep start 0, ...'
 */
export function describeHypercall(r: HypercallRecord): string[] {
  return [
    `hypercall ${r.name} (code ${hex16(r.code)}) for ${r.op}, ${r.window === null ? 'no window' : `window ${r.window}`}`,
    controlLine(r.control),
    statusLine(r.status) +
      (decodeStatus(r.status).repsCompleted === r.repsCompleted
        ? ''
        : ` (the record's repsCompleted field says ${r.repsCompleted})`),
    `input ${r.input.length} bytes${layoutNote(hypercallDefByCode(r.code), 'input', r.input.length)}`,
    r.output === null
      ? 'output none'
      : `output ${r.output.length} bytes${layoutNote(hypercallDefByCode(r.code), 'output', r.output.length)}`,
  ];
}

/**
 * `control 0x…: code …, rep count …, rep start …, variable header … qwords, fast …` (and the
 * reserved bits, when set).
 *
 * @example
 * controlLine(0x000001fd0000004bn); // 'control 0x000001fd0000004b: code 0x004b, rep count 509, rep start 0, ...'
 */
export function controlLine(control: bigint): string {
  const c = decodeControl(control);
  return (
    `control ${wordToHex(control)}: code ${hex16(c.code)}, rep count ${c.repCount}, rep start ${c.repStart}, ` +
    `variable header ${c.varHeadQwords} qwords, fast ${c.fast ? 'yes' : 'no'}` +
    (c.nested ? ', nested' : '') +
    (c.reservedBits === 0n ? '' : `, reserved bits ${wordToHex(c.reservedBits)}`)
  );
}

/**
 * `status 0x…: HV_STATUS_… (0x…), reps completed …`.
 *
 * @example
 * statusLine(0x6n); // 'status 0x0000000000000006: HV_STATUS_ACCESS_DENIED (0x0006), reps completed 0'
 */
export function statusLine(status: bigint): string {
  const s = decodeStatus(status);
  return `status ${wordToHex(status)}: HV_STATUS_${hvStatusName(s.result)} (${hex16(s.result)}), reps completed ${s.repsCompleted}`;
}

/**
 * Where two byte strings differ, named by the call's layout: runs of differing bytes with their
 * offsets, the header field or list element they fall in, and both sides' bytes (at most `runsMax`
 * runs listed). Empty when they are equal.
 *
 * @example
 * bytesDifferences(MapGpaPages, 'input', a, b); // ['input bytes differ at 1 place (8 bytes):', '  [8, 16) targetGpaBase: 0000… vs 0002…']
 */
export function bytesDifferences(
  def: HypercallDef | undefined,
  side: 'input' | 'output',
  expected: Uint8Array | null,
  actual: Uint8Array | null,
  runsMax = 4,
): { readonly expected: string[]; readonly actual: string[] } {
  if (expected === null || actual === null) {
    if (expected === actual) return { expected: [], actual: [] };
    return {
      expected: [`${side} ${expected === null ? 'none' : `${expected.length} bytes`}`],
      actual: [`${side} ${actual === null ? 'none' : `${actual.length} bytes`}`],
    };
  }
  const runs: [number, number][] = [];
  const common = Math.min(expected.length, actual.length);
  for (let i = 0; i < common; i++) {
    if (expected[i] === actual[i]) continue;
    const last = runs.at(-1);
    if (last?.[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  if (runs.length === 0 && expected.length === actual.length) return { expected: [], actual: [] };
  const differing = runs.reduce((n, [a, b]) => n + b - a, 0);
  const head =
    expected.length === actual.length
      ? `${side}: ${differing} byte(s) differ in ${runs.length} place(s)`
      : `${side}: ${expected.length} bytes in the log, ${actual.length} in the replay${runs.length === 0 ? '' : `; ${differing} byte(s) of the common ${common} differ`}`;
  const e = [head];
  const a = [head];
  for (const [from, to] of runs.slice(0, runsMax)) {
    const where = `[${from}, ${to}) ${placeOf(def, side, from)}`;
    e.push(`  ${where}: ${bytesToHex(expected.subarray(from, to))}`);
    a.push(`  ${where}: ${bytesToHex(actual.subarray(from, to))}`);
  }
  if (runs.length > runsMax) {
    e.push(`  … ${runs.length - runsMax} more place(s)`);
    a.push(`  … ${runs.length - runsMax} more place(s)`);
  }
  return { expected: e, actual: a };
}

/** The layout field or list element a byte offset falls in. */
function placeOf(def: HypercallDef | undefined, side: 'input' | 'output', offset: number): string {
  if (def === undefined) return 'of an unknown call';
  const header = side === 'input' ? def.input : def.output;
  const element = side === 'input' ? (def.inputElement ?? def.varHeadElement) : def.outputElement;
  const headerSize = header?.size ?? 0;
  if (header !== undefined && offset < headerSize) return `${header.name}.${fieldAt(header, offset)}`;
  if (element === undefined || element.size === 0) return `past the ${side} layout`;
  const index = Math.floor((offset - headerSize) / element.size);
  const within = (offset - headerSize) % element.size;
  const inner = element.layout === undefined ? `byte ${within}` : fieldAt(element.layout, within);
  return `${element.name}[${index}] ${inner}`;
}

function fieldAt(layout: StructLayout, offset: number): string {
  for (const f of layout.fields) {
    const size =
      f.kind === 'bytes' || f.kind === 'reserved' ? f.size : { u8: 1, u16: 2, u32: 4, u64: 8 }[f.kind];
    if (offset >= f.offset && offset < f.offset + size)
      return f.kind === 'reserved' ? `${f.name} (reserved)` : f.name;
  }
  return `padding@${offset}`;
}

function layoutNote(def: HypercallDef | undefined, side: 'input' | 'output', length: number): string {
  if (def === undefined) return '';
  const header = side === 'input' ? def.input : def.output;
  const element = side === 'input' ? (def.inputElement ?? def.varHeadElement) : def.outputElement;
  const headerSize = header?.size ?? 0;
  if (header === undefined && element === undefined) return '';
  const parts = header === undefined ? [] : [`${header.name} ${headerSize} bytes`];
  if (element !== undefined && element.size > 0 && length > headerSize)
    parts.push(`${(length - headerSize) / element.size} × ${element.name} ${element.size} bytes`);
  return ` (${parts.join(' + ')})`;
}

function hex16(v: number): string {
  return `0x${v.toString(16).padStart(4, '0')}`;
}

/**
 * Canonical JSON of a value, cut to one report line.
 *
 * @example
 * shortJson({ b: 1, a: 2 }); // '{"a":2,"b":1}'
 */
export function shortJson(v: unknown): string {
  let text: string;
  try {
    text = canonicalJson(v);
  } catch {
    text = String(v);
  }
  return text.length <= JSON_LINE_CHARS_MAX
    ? text
    : `${text.slice(0, JSON_LINE_CHARS_MAX)}… (${text.length} chars)`;
}
