import type { RngState } from '../det/Rng.js';
import type { JsonValue } from '../log/JsonValue.js';
import { childPath } from '../scenario/jsonPath.js';
import { FieldReader, hexWord64, readInt, readWord } from './FieldReader.js';
import { SnapshotError } from './SnapshotError.js';

const V = 1;

/**
 * A generator's position as JSON: `{ v, seed, words }`. A number seed stays a number; a bigint seed
 * (every derived stream's) is written as a 64-bit word, the part of it the generator uses.
 *
 * @example
 * writeRng(new Rng(7).state()); // { v: 1, seed: 7, words: [...] }
 */
export function writeRng(s: RngState): JsonValue {
  return {
    v: V,
    seed: typeof s.seed === 'number' ? s.seed : hexWord64(BigInt.asUintN(64, s.seed)),
    words: [...s.words],
  };
}

/**
 * Read a position written by `writeRng`: four u32 words, not all zero.
 *
 * @example
 * Rng.fromState(readRng(writeRng(rng.state()), '$.rng')).u32() === rng.u32(); // true
 */
export function readRng(json: unknown, path: string): RngState {
  const r = FieldReader.of(json, path, 'a generator position', V);
  const rawSeed = r.raw('seed');
  const seed =
    typeof rawSeed === 'number'
      ? readInt(rawSeed, r.path('seed'), -Number.MAX_SAFE_INTEGER)
      : readWord(rawSeed, r.path('seed'));
  const raw = r.array('words', { length: 4 });
  const w = raw.map((x, i) => readInt(x, childPath(r.path('words'), i), 0, 0xffff_ffff));
  r.end();
  const words = [w[0] ?? 0, w[1] ?? 0, w[2] ?? 0, w[3] ?? 0] as const;
  if (words.every((x) => x === 0))
    throw new SnapshotError(r.path('words'), 'range', 'all four words are zero (not a reachable state)');
  return { seed, words };
}
