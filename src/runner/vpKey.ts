/**
 * The name a scenario run keeps a VP fd under: the pair (partition, vpIndex) written as
 * `partition/vpIndex`. A partition name may itself hold `/` (`a/b`), and a VP index never does, so
 * the last `/` splits the pair back (`parseVpKey`): `a/b/0` is VP 0 of `a/b`, never a VP of `a`.
 * This is the form a scenario log's snapshots keep (`StepperState.vps`), so older logs read the same.
 *
 * @example
 * vpKey('a/b', 0); // 'a/b/0'
 */
export function vpKey(partition: string, vpIndex: number): string {
  return `${partition}/${vpIndex}`;
}

/**
 * The pair a `vpKey` names; undefined for a string no `vpKey` call makes.
 *
 * @example
 * parseVpKey('a/b/0'); // { partition: 'a/b', vpIndex: 0 }
 */
export function parseVpKey(
  key: string,
): { readonly partition: string; readonly vpIndex: number } | undefined {
  const slash = key.lastIndexOf('/');
  if (slash < 0) return undefined;
  const digits = key.slice(slash + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(digits)) return undefined;
  const vpIndex = Number(digits);
  if (!Number.isSafeInteger(vpIndex)) return undefined;
  return { partition: key.slice(0, slash), vpIndex };
}
