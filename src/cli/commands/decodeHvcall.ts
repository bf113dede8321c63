import { controlProblem } from '../../../adapters/simulated/SimulatedHypervisor.js';
import { U64_MAX } from '../../hv/BitField.js';
import { decodeControl } from '../../hv/ControlWord.js';
import { traitsOf } from '../../hv/Hypercall.js';
import { hypercallName } from '../../hv/HypercallCode.js';
import { hypercallDefByCode } from '../../hv/hypercalls/index.js';
import { CliError } from '../CliError.js';
import { parseCliBigint } from '../parseNumber.js';

const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

/**
 * Decode a hypercall control word (decimal or 0x hex, inventory §b.1) into display lines: the call's
 * name and code, fast, variable header size, nested, rep count, rep start and any reserved bits set;
 * for a call the driver issues, its kind and batch bound and whether the word fits the call (the
 * simulated hypervisor's INVALID_HYPERCALL_INPUT rules, assuming both pages are passed). Throws a
 * CliError (exit 2) for text that is not a number or does not fit 64 bits.
 *
 * @example
 * decodeHvcall('0x00fd01fd0000004b')[0]; // 'hypercall: MAP_GPA_PAGES (code 0x004b)'
 */
export function decodeHvcall(text: string): string[] {
  const word = parseCliBigint(text, 'control word');
  if (word > U64_MAX) throw new CliError(`control word: ${text} does not fit 64 bits`);
  const c = decodeControl(word);
  const def = hypercallDefByCode(c.code);
  const name = hypercallName(c.code);
  const head =
    def !== undefined
      ? `hypercall: ${def.name} (code ${hex4(c.code)})`
      : name !== undefined
        ? `hypercall: ${name} (code ${hex4(c.code)}; defined by the headers, not issued by mshv_root)`
        : `hypercall: unknown (code ${hex4(c.code)}; no header defines it)`;
  const lines = [
    head,
    `fast: ${c.fast}`,
    `variable header: ${c.varHeadQwords} qwords (${c.varHeadQwords * 8} bytes)`,
    `nested: ${c.nested}`,
    `rep count: ${c.repCount}`,
    `rep start: ${c.repStart}`,
    c.reservedBits === 0n
      ? 'reserved bits: none'
      : `reserved bits: 0x${c.reservedBits.toString(16).padStart(16, '0')} (set: the hypervisor rejects this word)`,
  ];
  if (def === undefined) return lines;
  const t = traitsOf(def);
  const rb = def.repBound;
  const bound = rb?.reason === t.batchBound ? `${rb.constant}, ${rb.reason}` : `${t.batchBound} bound`;
  lines.push(
    t.kind === 'rep'
      ? `kind: rep, at most ${t.batchRepsMax} reps per call (${bound})`
      : `kind: ${t.kind}${def.async === true ? ' (may complete asynchronously: CALL_PENDING)' : ''}`,
  );
  const problem = controlProblem(c, t, true, true);
  lines.push(
    problem === undefined
      ? `fits ${def.name}: yes`
      : `fits ${def.name}: no, INVALID_HYPERCALL_INPUT (${problem})`,
  );
  return lines;
}
