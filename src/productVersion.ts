/**
 * The mshv-control version a log header records (`productVersion`); kept equal to package.json's
 * `version` by a test. Replay does not compare it: a log replays under any version that reads it.
 *
 * @example
 * PRODUCT_VERSION; // '0.1.0'
 */
export const PRODUCT_VERSION = '0.1.0';
