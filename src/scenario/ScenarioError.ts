/**
 * The rules a scenario can break, one name each. A ScenarioError carries one of them so callers
 * (and tests) can tell the classes apart without reading the message.
 */
export const ScenarioRules = [
  /** The text is not JSON (RFC 8259). */
  'json-syntax',
  /** The text is larger or more deeply nested than the loader accepts. */
  'json-limit',
  /** An object names the same key twice (JSON.parse would silently keep the last). */
  'duplicate-key',
  /** `format` is missing or not a version this loader reads. */
  'format',
  /** A value has the wrong JSON type. */
  'type',
  /** A required field is absent. */
  'required',
  /** A field the format does not define. */
  'unknown-field',
  /** A step `op` the format does not define. */
  'unknown-op',
  /** A name that is not in its table (errno, flag, status, hypercall, scheduler, exit kind). */
  'unknown-name',
  /** A flag name listed twice. */
  'duplicate-flag',
  /** A string that is neither decimal, 0x hex nor a size with a unit. */
  'number-syntax',
  /** A 0x number or a byte string with a character that is not a hex digit. */
  'hex',
  /** A size with a unit the format does not define (binary units only: K, KiB, M, MiB, G, GiB, T, TiB). */
  'unit',
  /** A JSON number that is not an integer. */
  'integer',
  /** A JSON number at or beyond 2^53, which JSON parsers round. */
  'precision',
  /** A negative value for an unsigned field. */
  'negative',
  /** A value that does not fit the uapi field's width. */
  'width',
  /** A value outside the set or range the format allows (not a driver rule). */
  'range',
  /** An array of the wrong length for a fixed-size uapi array. */
  'length',
  /** An empty string where a name is needed. */
  'empty',
  /** Two fields that cannot appear together, or one that needs another. */
  'conflict',
  /** A host-memory declaration that is not aligned to its page size. */
  'alignment',
  /** Two host-memory declarations that share user addresses. */
  'overlap',
  /** A step names a partition no earlier createPartition step created. */
  'unknown-partition',
] as const;

export type ScenarioRule = (typeof ScenarioRules)[number];

/** 1-based line and column (UTF-16 code units) in the scenario text. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * A scenario that cannot be loaded. `path` is the JSON path of the offending value (`$` is the
 * document, `$.steps[3].vpIndex` a field of the fourth step), `rule` which rule it breaks, `detail`
 * the explanation; `position` and `source` are filled in when the text or file is known.
 *
 * @example
 * new ScenarioError('$.steps[3].vpIndex', 'width', '4294967296 does not fit u32').message;
 * // '$.steps[3].vpIndex: 4294967296 does not fit u32'
 */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';

  constructor(
    readonly path: string,
    readonly rule: ScenarioRule,
    readonly detail: string,
    readonly position?: SourcePosition,
    readonly source?: string,
  ) {
    super(formatMessage(path, detail, position, source));
  }

  /** The same error, located at a line and column of the scenario text. */
  at(position: SourcePosition | undefined): ScenarioError {
    return new ScenarioError(this.path, this.rule, this.detail, position, this.source);
  }

  /** The same error, naming the file it came from. */
  inFile(source: string): ScenarioError {
    return new ScenarioError(this.path, this.rule, this.detail, this.position, source);
  }
}

function formatMessage(
  path: string,
  detail: string,
  position: SourcePosition | undefined,
  source: string | undefined,
): string {
  const where = position === undefined ? undefined : `${position.line}:${position.column}`;
  let prefix = '';
  if (source !== undefined) prefix = where === undefined ? `${source}: ` : `${source}:${where}: `;
  else if (position !== undefined) prefix = `line ${position.line}, column ${position.column}: `;
  return `${prefix}${path}: ${detail}`;
}
