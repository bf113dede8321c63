import type { BytesField, Field, Layout, ReservedField, ScalarField } from '../Layout.js';

/**
 * A nested struct's field renamed into its parent: `doorbellGpa` inside `connectionInfo` →
 * `connectionInfoDoorbellGpa`.
 */
export type Embedded<P extends string, F> =
  F extends ScalarField<infer N, infer K>
    ? ScalarField<`${P}${Capitalize<N>}`, K>
    : F extends BytesField<infer N>
      ? BytesField<`${P}${Capitalize<N>}`>
      : ReservedField;

/**
 * The fields of a nested struct layout, shifted to `at` and prefixed with `prefix`, for spreading into
 * the parent layout. Reserved fields become `<prefix>.<name>`; the nested struct's unnamed gaps stay
 * gaps in the parent, so they remain padding that encoders zero and `reservedViolations` reports.
 *
 * @example
 * new Layout('hv_input_create_port', 56, [...embed('portInfo', 24, HvPortInfo)] as const);
 */
export function embed<const P extends string, const Fs extends readonly Field[]>(
  prefix: P,
  at: number,
  layout: Layout<Fs>,
): { readonly [I in keyof Fs]: Embedded<P, Fs[I]> } {
  return layout.fields.map((f) => ({
    ...f,
    name:
      f.kind === 'reserved'
        ? `${prefix}.${f.name}`
        : prefix + f.name.charAt(0).toUpperCase() + f.name.slice(1),
    offset: f.offset + at,
  })) as unknown as { readonly [I in keyof Fs]: Embedded<P, Fs[I]> };
}
