import { readFileSync } from 'node:fs';

/** The parts of test/fixtures/mshv-facts.json the hypercall, status and layout tests read. */
export interface FactsField {
  readonly name: string;
  readonly type: string;
  readonly offset: number;
  readonly size: number;
}

export interface FactsStruct {
  readonly size: number;
  readonly list?: string;
  readonly output?: string;
  readonly fast?: string;
  readonly fields: readonly FactsField[];
}

export interface FactsHypercall {
  readonly name: string;
  readonly code: number;
  readonly kind: 'simple' | 'simple_async' | 'simple_varhead' | 'rep' | 'fast8' | 'fast16' | 'passthrough';
  readonly input: string | null;
  readonly input_size: number | null;
  readonly output: string | null;
  readonly max_reps_per_call: number | null;
}

export interface HypercallFacts {
  readonly hv_structs: Readonly<Record<string, FactsStruct>>;
  readonly hypercalls: readonly FactsHypercall[];
  readonly other_hypercall_codes: Readonly<Record<string, number>>;
  readonly status_codes: readonly { name: string; code: number; errno: number | string }[];
  readonly status_codes_patch_only: Readonly<Record<string, number>>;
  readonly errno_values_linux: Readonly<Record<string, number>>;
  readonly hypercall_status_word: {
    readonly result: { lsb: number; width: number; mask: string };
    readonly reps_completed: { lsb: number; width: number; mask: string };
    readonly no_hypercall_page: string;
  };
  readonly batch_sizes: Readonly<Record<string, number>>;
  readonly deposit_counts: Readonly<Record<string, number>>;
}

/** Read the committed copy of the reference facts. */
export function loadHypercallFacts(): HypercallFacts {
  return JSON.parse(
    readFileSync(new URL('../../fixtures/mshv-facts.json', import.meta.url), 'utf8'),
  ) as HypercallFacts;
}

/** `HVCALL_MAP_GPA_PAGES` → `MAP_GPA_PAGES`. */
export const stripPrefix = (name: string, prefix: string): string =>
  name.startsWith(prefix) ? name.slice(prefix.length) : name;
