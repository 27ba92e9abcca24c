/**
 * Compiles the decorator fixtures with the native `tsc` in one decorator mode and imports the
 * result. The output (fixtures plus their own copy of `src/`) goes under node_modules/.cache.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/** The two TypeScript decorator modes. */
export type DecoratorMode = 'legacy' | 'standard';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** Where a mode's compiled output goes (the `outDir` of its tsconfig). */
export function outDirOf(mode: DecoratorMode): string {
  return join(ROOT, 'node_modules/.cache/cio-decorators', mode);
}

/** Compiles `test/decorators/tsconfig.<mode>.json`; resolves the time it took in ms. Rejects with tsc's output on errors. */
export async function compileFixtures(mode: DecoratorMode): Promise<number> {
  const outDir = outDirOf(mode);
  rmSync(outDir, { recursive: true, force: true });
  const started = performance.now();
  try {
    await promisify(execFile)(process.execPath, [TSC, '-p', join(ROOT, 'test/decorators', `tsconfig.${mode}.json`)], { cwd: ROOT });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`tsc (${mode} decorators) failed:\n${e.stdout ?? ''}${e.stderr ?? ''}` || e.message);
  }
  const ms = performance.now() - started;
  // Under node_modules, Node.js finds no package scope: mark the output as ES modules.
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return ms;
}

/** Imports a compiled fixture module, e.g. `fixtures/services.js`. */
export function importCompiled<T>(mode: DecoratorMode, file: string): Promise<T> {
  return import(pathToFileURL(join(outDirOf(mode), 'test/decorators', file)).href) as Promise<T>;
}
