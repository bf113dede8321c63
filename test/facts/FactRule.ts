/**
 * The machinery of the facts coverage test: every leaf of test/fixtures/mshv-facts.json is a test
 * vector, matched by exactly one rule. A rule names the code it checks the leaf against (`by`) and
 * either checks it (`check` throws when the code disagrees with the leaf's value) or, for prose only,
 * says why the string is context and not a value (`context`).
 */
import { readFileSync } from 'node:fs';

export type FactPath = readonly (string | number)[];
export type FactValue = string | number | boolean | null;

/** What a check sees: the leaf's value (possibly perturbed by the meta-test), where it is, its record. */
export interface FactLeaf {
  readonly value: FactValue;
  readonly path: FactPath;
  /** The object or array that holds the leaf (never perturbed: it identifies the entity). */
  readonly parent: Readonly<Record<string, unknown>> & Readonly<Record<number, unknown>>;
  /** The key of the leaf in its parent. */
  readonly key: string | number;
}

interface RuleBase {
  /** `a.*.b[*].c`: `*` is any object key, `[*]` any array index. */
  readonly path: string;
  /** The code (module, export, behaviour) the leaf is checked against. */
  readonly by: string;
}

export interface CheckedRule extends RuleBase {
  /** Throws (an `expect` failure) when the code disagrees with `leaf.value`. */
  readonly check: (leaf: FactLeaf) => void;
  /**
   * Set when changing the value cannot be observed in the code (e.g. `packed` on a struct that has
   * no padding either way): the perturbation meta-test skips the rule, saying why.
   */
  readonly insensitive?: string;
}

export interface ContextRule extends RuleBase {
  /** Why this prose is not a test vector. Only strings may be context. */
  readonly context: string;
}

export type FactRule = CheckedRule | ContextRule;

export const isChecked = (r: FactRule): r is CheckedRule => 'check' in r;

/** The reference facts, parsed. */
export function loadFactsDocument(): Readonly<Record<string, unknown>> {
  return JSON.parse(
    readFileSync(new URL('../fixtures/mshv-facts.json', import.meta.url), 'utf8'),
  ) as Readonly<Record<string, unknown>>;
}

/** Every leaf (string, number, boolean, null) of a JSON document, depth first, in document order. */
export function leavesOf(doc: unknown): FactLeaf[] {
  const out: FactLeaf[] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (node !== null && typeof node === 'object') {
      const parent = node as FactLeaf['parent'];
      const entries: [string | number, unknown][] = Array.isArray(node)
        ? node.map((v, i) => [i, v] as [number, unknown])
        : Object.entries(node);
      for (const [k, v] of entries) {
        if (v !== null && typeof v === 'object') walk(v, [...path, k]);
        else out.push({ value: v as FactValue, path: [...path, k], parent, key: k });
      }
    }
  };
  walk(doc, []);
  return out;
}

/** `structs.mshv_create_vp.fields[0].offset` */
export function pathText(path: FactPath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

const patternCache = new Map<string, RegExp>();

/** True when `path` matches the rule pattern. */
export function matches(pattern: string, path: FactPath): boolean {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    const body = pattern
      .split(/(\[\*\]|\.)/)
      .map((part) =>
        part === '[*]'
          ? '\\[\\d+\\]'
          : part === '.'
            ? '\\.'
            : part === '*'
              ? '[^.\\[\\]]+'
              : part.replace(/[$()*+.?[\\\]^{|}-]/g, '\\$&'),
      )
      .join('');
    re = new RegExp(`^${body}$`);
    patternCache.set(pattern, re);
  }
  return re.test(pathText(path));
}

/** The leaf's key as a string (object keys) – rule checks that look an entity up by its key. */
export const keyOf = (leaf: FactLeaf): string => String(leaf.key);

/** The path segment `n` places above the leaf (1 = the key of the leaf's parent). */
export function segment(leaf: FactLeaf, up: number): string | number {
  const s = leaf.path[leaf.path.length - 1 - up];
  if (s === undefined) throw new Error(`${pathText(leaf.path)} has no segment ${up} up`);
  return s;
}

/** A sibling field of the leaf's record (never perturbed). */
export function sibling(leaf: FactLeaf, name: string): unknown {
  return leaf.parent[name];
}

/** The leaf's value as a number; throws naming the path otherwise. */
export function num(leaf: FactLeaf): number {
  if (typeof leaf.value !== 'number') throw new TypeError(`${pathText(leaf.path)}: not a number`);
  return leaf.value;
}

/** The leaf's value as a string; throws naming the path otherwise. */
export function str(leaf: FactLeaf): string {
  if (typeof leaf.value !== 'string') throw new TypeError(`${pathText(leaf.path)}: not a string`);
  return leaf.value;
}

/** Parse a hex or decimal facts string such as `0x4008B825` as a bigint. */
export function big(text: string): bigint {
  if (!/^(0[xX][0-9a-fA-F]+|\d+)$/.test(text)) throw new TypeError(`'${text}' is not a number`);
  return BigInt(text);
}

/**
 * Evaluate an integer expression of the facts (`(4096-24)/8`, `dir<<30 | size<<16 | type<<8 | nr`,
 * `0x10000000/4096`) over bigints: + - * / (truncating) << | and parentheses, identifiers from
 * `vars`. Throws on anything else, so a corrupted expression fails its check.
 */
export function evalExpr(text: string, vars: Readonly<Record<string, bigint>> = {}): bigint {
  const tokens = text.match(/0[xX][0-9a-fA-F]+|\d+|[A-Za-z_]\w*|<<|[-+*/|()]|\S/g) ?? [];
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const take = (t?: string): string => {
    const got = tokens[at++];
    if (got === undefined || (t !== undefined && got !== t))
      throw new SyntaxError(`'${text}': expected ${t ?? 'a token'} at token ${at}`);
    return got;
  };
  const primary = (): bigint => {
    const t = take();
    if (t === '(') {
      const v = or();
      take(')');
      return v;
    }
    if (/^(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) return BigInt(t);
    const v = vars[t];
    if (/^[A-Za-z_]/.test(t) && v !== undefined) return v;
    throw new SyntaxError(`'${text}': unexpected '${t}'`);
  };
  const mul = (): bigint => {
    let v = primary();
    while (peek() === '*' || peek() === '/') v = take() === '*' ? v * primary() : v / primary();
    return v;
  };
  const add = (): bigint => {
    let v = mul();
    while (peek() === '+' || peek() === '-') v = take() === '+' ? v + mul() : v - mul();
    return v;
  };
  const shift = (): bigint => {
    let v = add();
    while (peek() === '<<') {
      take();
      v = v << add();
    }
    return v;
  };
  const or = (): bigint => {
    let v = shift();
    while (peek() === '|') {
      take();
      v = v | shift();
    }
    return v;
  };
  const v = or();
  if (at !== tokens.length) throw new SyntaxError(`'${text}': trailing '${tokens[at] ?? ''}'`);
  return v;
}

/** A different value of the same kind: what the meta-test feeds a check to prove it can fail. */
export function perturb(value: FactValue): FactValue {
  if (value === null) return 'perturbed';
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'number') return value + 1;
  // Change the last dotted segment, so `doorbell.rsvdz` stops being a reserved name too.
  return value.replace(/([^.]*)$/, '~$1');
}
