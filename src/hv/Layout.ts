/**
 * Declarative, packed little-endian struct layouts over a byte buffer.
 *
 * A layout lists its named fields with their offsets; every byte it does not name, and every field
 * declared `reserved`, is reserved: encoders write it as zero and `reservedViolations` reports any
 * non-zero byte ("MSHV checks reserved bits are zero", seed review). A scalar may also declare a
 * `reservedMask` of bits that must be zero inside it (bit fields such as `is_doorbell:1`).
 * Shared code walks the field list; it never branches on which struct it is encoding.
 */

export type ScalarKind = 'u8' | 'u16' | 'u32' | 'u64';

export interface ScalarField<N extends string = string, K extends ScalarKind = ScalarKind> {
  readonly kind: K;
  readonly name: N;
  readonly offset: number;
  /** Bits inside this scalar that are reserved (must be zero). */
  readonly reservedMask?: bigint;
}

export interface BytesField<N extends string = string> {
  readonly kind: 'bytes';
  readonly name: N;
  readonly offset: number;
  readonly size: number;
}

export interface ReservedField {
  readonly kind: 'reserved';
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export type Field = ScalarField | BytesField | ReservedField;

export const SCALAR_SIZE: Readonly<Record<ScalarKind, number>> = { u8: 1, u16: 2, u32: 4, u64: 8 };

/** The largest value of each scalar kind, as a bigint and (below u64) as a number. */
const BIGINT_MAX: Readonly<Record<ScalarKind, bigint>> = {
  u8: 0xffn,
  u16: 0xffffn,
  u32: 0xffff_ffffn,
  u64: 0xffff_ffff_ffff_ffffn,
};
const NUMBER_MAX = { u8: 0xff, u16: 0xffff, u32: 0xffff_ffff } as const;

type ValueOf<F> =
  F extends ScalarField<string, 'u64'>
    ? bigint
    : F extends ScalarField
      ? number
      : F extends BytesField
        ? Uint8Array
        : never;

type NamedFields<Fs extends readonly Field[]> = Exclude<Fs[number], ReservedField>;

/** The value record a layout encodes and decodes: u64 as bigint, smaller scalars as number. */
export type LayoutValues<L> =
  L extends Layout<infer Fs> ? { [F in NamedFields<Fs> as F['name']]: ValueOf<F> } : never;

export interface ReservedViolation {
  /** Name of the reserved field, or `padding@<offset>` for an unnamed gap, or `<field>.reserved-bits`. */
  readonly field: string;
  readonly offset: number;
  readonly size: number;
  /** The offending bytes, hex, little-endian as they lie in memory. */
  readonly bytesHex: string;
}

/** What shared code needs of any layout, without its field types (the pipeline, the simulator, the log). */
export interface StructLayout {
  readonly name: string;
  readonly size: number;
  readonly fields: readonly Field[];
  readonly reservedRanges: readonly {
    readonly name: string;
    readonly offset: number;
    readonly size: number;
  }[];
  encode(values: Readonly<Record<string, unknown>>, view: DataView, offset?: number): void;
  decode(view: DataView, offset?: number): Readonly<Record<string, bigint | number | Uint8Array>>;
  reservedViolations(view: DataView, offset?: number): ReservedViolation[];
}

/**
 * One packed little-endian struct layout (the rules are in this module's comment): its named fields,
 * and every other byte reserved. The constructor throws a RangeError naming a field that leaves the
 * struct or overlaps another.
 *
 * @example
 * const L = new Layout('pair', 16, [u64('a', 0), u32('b', 8)] as const);
 * L.reservedRanges; // [{ name: 'padding@12', offset: 12, size: 4 }]
 */
export class Layout<const Fs extends readonly Field[] = readonly Field[]> {
  /** Reserved byte ranges: explicit reserved fields plus every byte no field names. */
  readonly reservedRanges: readonly {
    readonly name: string;
    readonly offset: number;
    readonly size: number;
  }[];
  readonly named: readonly (ScalarField | BytesField)[];

  constructor(
    readonly name: string,
    readonly size: number,
    readonly fields: Fs,
  ) {
    const owner = new Array<string | undefined>(size).fill(undefined);
    for (const f of fields) {
      const width = fieldSize(f);
      if (f.offset < 0 || f.offset + width > size) {
        throw new RangeError(
          `layout ${name}: field ${f.name} [${f.offset}, ${f.offset + width}) exceeds ${size} bytes`,
        );
      }
      for (let i = f.offset; i < f.offset + width; i++) {
        if (owner[i] !== undefined)
          throw new RangeError(`layout ${name}: field ${f.name} overlaps ${owner[i]}`);
        owner[i] = f.kind === 'reserved' ? `reserved:${f.name}` : f.name;
      }
    }
    const ranges: { name: string; offset: number; size: number }[] = [];
    let i = 0;
    while (i < size) {
      const o = owner[i];
      if (o !== undefined && !o.startsWith('reserved:')) {
        i++;
        continue;
      }
      const start = i;
      while (i < size && owner[i] === o) i++;
      ranges.push({
        name: o === undefined ? `padding@${start}` : o.slice('reserved:'.length),
        offset: start,
        size: i - start,
      });
    }
    this.reservedRanges = ranges;
    this.named = fields.filter((f): f is ScalarField | BytesField => f.kind !== 'reserved');
  }

  /**
   * Zero the struct's span at `offset`, then write every named field. Throws a RangeError naming the
   * field when a value does not fit its width or sets one of its reserved bits.
   *
   * @example
   * const L = new Layout('pair', 16, [u64('a', 0), u32('b', 8)] as const);
   * L.encode({ a: 1n, b: 2 }, new DataView(new ArrayBuffer(16)));
   */
  encode(values: LayoutValues<this>, view: DataView, offset = 0): void {
    const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, this.size);
    bytes.fill(0);
    const record = values as unknown as Record<string, unknown>;
    for (const f of this.named) {
      const v = record[f.name];
      if (v === undefined) throw new RangeError(`${this.name}.${f.name}: missing`);
      writeField(this.name, f, v, view, offset);
    }
  }

  /** Read every named field at `offset`. Reserved bytes are not returned; see `reservedViolations`. */
  decode(view: DataView, offset = 0): LayoutValues<this> {
    const out: Record<string, unknown> = {};
    for (const f of this.named) out[f.name] = readField(f, view, offset);
    return out as LayoutValues<this>;
  }

  /** Every reserved or padding byte range (and reserved bit inside a scalar) that is not zero. */
  reservedViolations(view: DataView, offset = 0): ReservedViolation[] {
    const out: ReservedViolation[] = [];
    for (const r of this.reservedRanges) {
      let nonZero = false;
      for (let i = 0; i < r.size; i++) if (view.getUint8(offset + r.offset + i) !== 0) nonZero = true;
      if (nonZero)
        out.push({
          field: r.name,
          offset: r.offset,
          size: r.size,
          bytesHex: hexAt(view, offset + r.offset, r.size),
        });
    }
    for (const f of this.named) {
      if (f.kind === 'bytes' || f.reservedMask === undefined) continue;
      const v = BigInt(readField(f, view, offset) as number | bigint);
      if ((v & f.reservedMask) !== 0n) {
        out.push({
          field: `${f.name}.reserved-bits`,
          offset: f.offset,
          size: SCALAR_SIZE[f.kind],
          bytesHex: hexAt(view, offset + f.offset, SCALAR_SIZE[f.kind]),
        });
      }
    }
    return out;
  }
}

function fieldSize(f: Field): number {
  return f.kind === 'bytes' || f.kind === 'reserved' ? f.size : SCALAR_SIZE[f.kind];
}

function writeField(
  layout: string,
  f: ScalarField | BytesField,
  v: unknown,
  view: DataView,
  base: number,
): void {
  const at = base + f.offset;
  if (f.kind === 'bytes') {
    if (!(v instanceof Uint8Array) || v.length !== f.size) {
      throw new RangeError(`${layout}.${f.name}: expected ${f.size} bytes`);
    }
    new Uint8Array(view.buffer, view.byteOffset + at, f.size).set(v);
    return;
  }
  // Numbers into u8/u16/u32 fields without reserved bits (most fields) are checked and written as
  // numbers; everything else goes through bigint.
  if (typeof v === 'number' && f.reservedMask === undefined && f.kind !== 'u64') {
    if (!Number.isInteger(v) || v < 0 || v > NUMBER_MAX[f.kind])
      throw new RangeError(`${layout}.${f.name}: ${String(v)} does not fit ${f.kind}`);
    if (f.kind === 'u8') view.setUint8(at, v);
    else if (f.kind === 'u16') view.setUint16(at, v, true);
    else view.setUint32(at, v, true);
    return;
  }
  const big =
    typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (big === undefined || big < 0n || big > BIGINT_MAX[f.kind]) {
    throw new RangeError(`${layout}.${f.name}: ${String(v)} does not fit ${f.kind}`);
  }
  if (f.reservedMask !== undefined && (big & f.reservedMask) !== 0n) {
    throw new RangeError(
      `${layout}.${f.name}: reserved bits 0x${(big & f.reservedMask).toString(16)} must be zero`,
    );
  }
  switch (f.kind) {
    case 'u8':
      view.setUint8(at, Number(big));
      break;
    case 'u16':
      view.setUint16(at, Number(big), true);
      break;
    case 'u32':
      view.setUint32(at, Number(big), true);
      break;
    case 'u64':
      view.setBigUint64(at, big, true);
      break;
  }
}

function readField(f: ScalarField | BytesField, view: DataView, base: number): number | bigint | Uint8Array {
  const at = base + f.offset;
  switch (f.kind) {
    case 'bytes':
      return new Uint8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + f.size));
    case 'u8':
      return view.getUint8(at);
    case 'u16':
      return view.getUint16(at, true);
    case 'u32':
      return view.getUint32(at, true);
    case 'u64':
      return view.getBigUint64(at, true);
  }
}

function hexAt(view: DataView, at: number, size: number): string {
  let s = '';
  for (let i = 0; i < size; i++)
    s += view
      .getUint8(at + i)
      .toString(16)
      .padStart(2, '0');
  return s;
}

/**
 * Field constructors, so layouts read like the C struct they mirror. A u8 field at `offset`;
 * `reservedMask` marks bits that must be zero.
 *
 * @example
 * u8('flags', 1, 0xfen); // { kind: 'u8', name: 'flags', offset: 1, reservedMask: 0xfen }
 */
export const u8 = <const N extends string>(
  name: N,
  offset: number,
  reservedMask?: bigint,
): ScalarField<N, 'u8'> =>
  reservedMask === undefined ? { kind: 'u8', name, offset } : { kind: 'u8', name, offset, reservedMask };
/**
 * A u16 field at `offset`; `reservedMask` marks bits that must be zero.
 *
 * @example
 * u16('port', 40); // { kind: 'u16', name: 'port', offset: 40 }
 */
export const u16 = <const N extends string>(
  name: N,
  offset: number,
  reservedMask?: bigint,
): ScalarField<N, 'u16'> =>
  reservedMask === undefined ? { kind: 'u16', name, offset } : { kind: 'u16', name, offset, reservedMask };
/**
 * A u32 field at `offset`; `reservedMask` marks bits that must be zero.
 *
 * @example
 * u32('vpIndex', 8); // { kind: 'u32', name: 'vpIndex', offset: 8 }
 */
export const u32 = <const N extends string>(
  name: N,
  offset: number,
  reservedMask?: bigint,
): ScalarField<N, 'u32'> =>
  reservedMask === undefined ? { kind: 'u32', name, offset } : { kind: 'u32', name, offset, reservedMask };
/**
 * A u64 field at `offset` (a bigint value); `reservedMask` marks bits that must be zero.
 *
 * @example
 * u64('partitionId', 0); // { kind: 'u64', name: 'partitionId', offset: 0 }
 */
export const u64 = <const N extends string>(
  name: N,
  offset: number,
  reservedMask?: bigint,
): ScalarField<N, 'u64'> =>
  reservedMask === undefined ? { kind: 'u64', name, offset } : { kind: 'u64', name, offset, reservedMask };
/**
 * A field of `size` raw bytes at `offset` (a Uint8Array value).
 *
 * @example
 * bytes('data', 16, 32); // { kind: 'bytes', name: 'data', offset: 16, size: 32 }
 */
export const bytes = <const N extends string>(name: N, offset: number, size: number): BytesField<N> => ({
  kind: 'bytes',
  name,
  offset,
  size,
});
/**
 * A named reserved span: encoded as zero, reported by `reservedViolations` when it is not.
 *
 * @example
 * reserved('rsvd', 12, 4); // { kind: 'reserved', name: 'rsvd', offset: 12, size: 4 }
 */
export const reserved = (name: string, offset: number, size: number): ReservedField => ({
  kind: 'reserved',
  name,
  offset,
  size,
});
