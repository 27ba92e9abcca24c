import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/**
 * The layers of src/, lowest first: a folder imports only from folders of a lower layer (and from
 * itself). The call path reads top to bottom: http/decorators → client → delivery → stores/queue →
 * policies → operations → validation → errors/internal. See docs/architecture.md.
 */
const LAYER: Record<string, number> = {
  internal: 0,
  errors: 0,
  validation: 1,
  idempotency: 1,
  telemetry: 1,
  testing: 2,
  operations: 2,
  policies: 2,
  queue: 3,
  stores: 4,
  delivery: 4,
  client: 5,
  health: 6,
  decorators: 6,
  http: 7,
  '(entry)': 8,
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

/** The folder of src/ a file belongs to (`(entry)` for src/index.ts). */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length === 1 ? '(entry)' : parts[0]!;
}

/** Relative import specifiers of a file (static and dynamic, type-only included). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
}

describe('architecture: every import in src/ points down', () => {
  const files = sources(SRC);

  it('knows the layer of every folder of src/', () => {
    const unknown = [...new Set(files.map(folderOf))].filter((f) => !(f in LAYER));
    expect(unknown, 'folders with no layer: add them to LAYER and docs/architecture.md').to.deep.equal([]);
  });

  it('has no import from a folder of the same or a higher layer', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const spec of importsOf(file)) {
        const to = folderOf(resolve(dirname(file), spec));
        if (to !== from && LAYER[to]! >= LAYER[from]!) upward.push(`${relative(SRC, file)} → ${spec}`);
      }
    }
    expect(upward).to.deep.equal([]);
  });

  it('has no double cast (`as unknown as`) in src/', () => {
    const casts = files.filter((f) => /as unknown as/.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f));
    expect(casts).to.deep.equal([]);
  });
});
