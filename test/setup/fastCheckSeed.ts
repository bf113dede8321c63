/**
 * Property tests run on one fixed seed under `npm test`, so a CI run is reproducible: the same
 * commit passes or fails the same way on every machine. `npm run test:explore` (FC_SEED=random)
 * draws fresh seeds to hunt for new counterexamples; `FC_SEED=<n>` replays a reported one. A
 * counterexample found by exploring becomes an `examples` entry of its property, so the fixed-seed
 * run keeps checking it (see docs/STYLE.md, "Property tests").
 */
import fc from 'fast-check';

/** The seed `npm test` uses when FC_SEED is unset. */
export const DEFAULT_FC_SEED = 0x6d736876;

const raw = process.env.FC_SEED;
if (raw !== 'random') {
  const seed = raw === undefined || raw === '' ? DEFAULT_FC_SEED : Number(raw);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`FC_SEED: "${raw}" must be an integer or "random"`);
  fc.configureGlobal({ seed });
}
