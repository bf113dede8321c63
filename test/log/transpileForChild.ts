import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Transpile `entries` (repository-relative .ts paths) and every module they import into `outDir`,
 * keeping the repository's layout, so a child process run by plain Node 24 can import the log
 * module without a project build. Type-only imports vanish (verbatimModuleSyntax); the `.js`
 * specifiers of the source then name the transpiled files. Returns the outDir paths of the entries.
 */
export function transpileForChild(entries: readonly string[], outDir: string): string[] {
  const done = new Set<string>();
  const queue = entries.map((e) => resolve(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const out = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2024,
        verbatimModuleSyntax: true,
      },
    }).outputText;
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out);
    for (const m of out.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)\.js'/g))
      queue.push(resolve(dirname(file), `${m[1]!}.ts`));
  }
  return entries.map((e) => join(outDir, e).replace(/\.ts$/, '.js'));
}
