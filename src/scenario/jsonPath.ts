/**
 * JSON paths as the loader reports them: `$` is the document, `.name` a member whose name is an
 * identifier, `["odd name"]` any other member, `[3]` an array element.
 *
 * @example
 * childPath(childPath(childPath('$', 'steps'), 3), 'vpIndex'); // '$.steps[3].vpIndex'
 */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/**
 * The path one level up, or undefined for the document itself.
 *
 * @example
 * parentPath('$.steps[3].vpIndex'); // '$.steps[3]'
 */
export function parentPath(path: string): string | undefined {
  if (path === '$') return undefined;
  if (path.endsWith(']')) {
    // Either [n] or ["..."]. A quoted key may hold brackets, but inside a JSON string a quote is
    // always escaped, so the last `["` is where the segment opens.
    if (path.endsWith('"]')) return path.slice(0, path.lastIndexOf('["'));
    return path.slice(0, path.lastIndexOf('['));
  }
  return path.slice(0, path.lastIndexOf('.'));
}
