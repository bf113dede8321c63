/**
 * The first member of an options object that is not one of `names`, as a message naming it and the
 * options there are, or undefined when every member is one: a misspelt option would otherwise be
 * ignored without a word. `where` prefixes the member (`records.`, `options.`, or '').
 *
 * @example
 * unknownOption('options.', { snapshotEvry: 8 }, ['snapshotEvery']); // 'options.snapshotEvry: not an option (the options are snapshotEvery)'
 */
export function unknownOption(where: string, options: object, names: readonly string[]): string | undefined {
  for (const name of Object.keys(options))
    if (!names.includes(name)) return `${where}${name}: not an option (the options are ${names.join(', ')})`;
  return undefined;
}
