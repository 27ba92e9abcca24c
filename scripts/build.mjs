#!/usr/bin/env node
// Builds the package into dist/: an ES module build and a CommonJS build, each with its own types.
//
//   dist/esm  tsc -p tsconfig.build.json      (+ dist/esm/package.json {"type":"module"})
//   dist/cjs  tsc -p tsconfig.build.cjs.json  (+ dist/cjs/package.json {"type":"commonjs"})
//
// The CommonJS build must load where `require()` cannot load an ES module (Jest's module runtime,
// as NestJS projects test), so this script then:
//   1. bundles the one ES-module-only dependency, cockatiel, into dist/cjs/vendor/cockatiel.js
//      (esbuild) and points the build's `require("cockatiel")` calls at it;
//   2. replaces the build's one `import.meta.url` (src/internal/nodeRequire.ts) with `undefined`,
//      so that file uses the module's own `require`;
//   3. checks that every bare `require()` left names a Node.js built-in, a CommonJS-loadable
//      dependency or an optional peer.
// No source maps are emitted: the package does not ship src/.
//
// usage: node scripts/build.mjs [--out DIR]   (default: dist; also run by `npm pack`, as prepack)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const outArg = process.argv.indexOf('--out');
const OUT = resolve(ROOT, outArg > 0 ? process.argv[outArg + 1] : 'dist');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** Dependencies that are ES modules only: bundled into the CommonJS build. */
const VENDORED = ['cockatiel'];

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

function tsc(project, outDir) {
  const run = spawnSync(process.execPath, [TSC, '-p', join(ROOT, project), '--outDir', outDir], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) fail(`tsc -p ${project} failed:\n${run.stdout}${run.stderr}`);
}

function files(dir, ext) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? files(p, ext) : d.name.endsWith(ext) ? [p] : [];
  });
}

const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
const esm = join(OUT, 'esm');
const cjs = join(OUT, 'cjs');
tsc('tsconfig.build.json', esm);
tsc('tsconfig.build.cjs.json', cjs);
// Each build says what its .js files are, wherever it lies (the package's own "type" is "module").
writeFileSync(join(esm, 'package.json'), '{\n  "type": "module"\n}\n');
writeFileSync(join(cjs, 'package.json'), '{\n  "type": "commonjs"\n}\n');

// 1. Vendor the ES-module-only dependencies into the CommonJS build.
const { build } = await import('esbuild');
for (const name of VENDORED) {
  const dir = dirname(require.resolve(`${name}/package.json`));
  const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const licenseFile = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  const licenseText = licenseFile ? readFileSync(join(dir, licenseFile), 'utf8').trim() : `${license}`;
  await build({
    entryPoints: [name],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    outfile: join(cjs, 'vendor', `${name}.js`),
    legalComments: 'inline',
    logLevel: 'warning',
    banner: { js: `/*! ${name}@${version}, bundled for the CommonJS build of ${pkg.name}.\n${licenseText}\n*/` },
  });
}

// 2. and 3. Rewrite and check the CommonJS build's JavaScript.
const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
for (const name of VENDORED) allowed.delete(name);
const builtins = new Set(builtinModules);
let metaUrls = 0;
const vendoredUses = Object.fromEntries(VENDORED.map((n) => [n, 0]));
const unexpected = [];
for (const file of files(cjs, '.js')) {
  if (file.startsWith(join(cjs, 'vendor') + sep)) continue;
  let text = readFileSync(file, 'utf8');
  text = text.replace(/\bimport\.meta\.url\b/g, () => {
    metaUrls++;
    return 'undefined';
  });
  for (const name of VENDORED) {
    let rel = relative(dirname(file), join(cjs, 'vendor', `${name}.js`)).split(sep).join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    text = text.replace(new RegExp(`require\\("${name}"\\)`, 'g'), () => {
      vendoredUses[name]++;
      return `require("${rel}")`;
    });
  }
  if (/\bimport\.meta\b(?!`)/.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) unexpected.push(`${relative(OUT, file)}: import.meta`);
  for (const [, spec] of text.matchAll(/\brequire\("([^"]+)"\)/g)) {
    if (spec.startsWith('.')) {
      if (!existsSync(resolve(dirname(file), spec))) unexpected.push(`${relative(OUT, file)}: require("${spec}") names no file`);
      continue;
    }
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (spec.startsWith('node:') || builtins.has(spec) || allowed.has(name)) continue;
    unexpected.push(`${relative(OUT, file)}: require("${spec}")`);
  }
  writeFileSync(file, text);
}
if (metaUrls !== 1) unexpected.push(`expected one import.meta.url in the CommonJS build (src/internal/nodeRequire.ts), found ${metaUrls}`);
for (const [name, uses] of Object.entries(vendoredUses)) if (uses === 0) unexpected.push(`nothing requires the vendored ${name}: drop it from VENDORED`);
const maps = [...files(OUT, '.map')];
if (maps.length > 0) unexpected.push(`source maps emitted: ${maps.map((f) => relative(OUT, f)).join(', ')}`);
if (unexpected.length > 0) fail(`the CommonJS build is not self-contained:\n  ${unexpected.join('\n  ')}`);

mkdirSync(OUT, { recursive: true });
// On stderr: `npm pack --json` runs this as its prepack script, and its stdout must stay JSON.
console.error(`build: ${relative(ROOT, OUT) || '.'}/esm and ${relative(ROOT, OUT) || '.'}/cjs in ${Math.round(performance.now() - started)} ms (vendored into cjs: ${VENDORED.join(', ')})`);
