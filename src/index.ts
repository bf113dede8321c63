/**
 * `mshv-control`: the library's public entry.
 *
 * @packageDocumentation
 */

// The Host API (also importable alone as `mshv-control/api`).
export * from './api/index.js';
