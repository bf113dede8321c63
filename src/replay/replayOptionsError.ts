import { describeJson } from '../scenario/parseNumber.js';
import { unknownOption } from '../scenario/unknownOption.js';

/** The members `ReplayOptions` has (`replaySession`). */
const REPLAY_OPTIONS = [
  'from',
  'crossCheck',
  'machines',
  'memo',
  'vmmHooks',
  'world',
  'worldCodecs',
  'finalState',
  'checksums',
] as const;

/** What each option must be, as a test and the rule a refusal names. */
const RULES: Readonly<Record<string, readonly [(v: unknown) => boolean, string]>> = {
  from: [
    (v) => v === 'start' || v === 'snapshot' || (Number.isSafeInteger(v) && (v as number) >= 1),
    "'start', 'snapshot' or a seq (an integer from 1)",
  ],
  crossCheck: [isBoolean, 'true or false'],
  finalState: [isBoolean, 'true or false'],
  dryRun: [isBoolean, 'true or false'],
  closed: [isBoolean, 'true or false'],
  checksums: [(v) => v === 'except-hypercalls' || v === 'all', "'except-hypercalls' or 'all'"],
  machines: [isObject, 'machine definitions ({ partition, vp })'],
  memo: [isObject, 'a TransitionMemo'],
  vmmHooks: [isObject, 'VMM hooks'],
  world: [isObject, 'simulated world options'],
  worldCodecs: [Array.isArray, 'an array of world codecs'],
};

/**
 * What is wrong with the options of a replay or a recovery, naming the option and the rule, or null
 * when nothing is: an option that is not one of them (a misspelt one would be ignored), or a value
 * of the wrong kind (`dryRun: 'yes'` would tear down what the caller asked only to list). An option
 * set to undefined counts as absent. `extra` names the options the entry point adds (`dryRun`,
 * `closed`).
 *
 * @example
 * replayOptionsError({ checksums: 'some' }); // options.checksums: string "some" is not 'except-hypercalls' or 'all'
 */
export function replayOptionsError(options: unknown, extra: readonly string[] = []): string | null {
  if (options === undefined) return null;
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    return `options: ${describeJson(options)} is not an object of replay options`;
  const unknown = unknownOption('options.', options, [...REPLAY_OPTIONS, ...extra]);
  if (unknown !== undefined) return unknown;
  for (const [name, value] of Object.entries(options)) {
    const rule = RULES[name];
    if (value !== undefined && rule !== undefined && !rule[0](value))
      return `options.${name}: ${describeJson(value)} is not ${rule[1]}`;
  }
  return null;
}

function isBoolean(v: unknown): boolean {
  return typeof v === 'boolean';
}

function isObject(v: unknown): boolean {
  return v !== null && typeof v === 'object';
}
