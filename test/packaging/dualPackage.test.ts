/**
 * The ES module and the CommonJS build loaded side by side in one process (an ES module app that
 * also uses a CommonJS library built on this package, say): what must be one per process is one.
 * Builds the package with scripts/build.mjs into node_modules/.cache/cio-build first.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

type Package = typeof import('../../src/index.js');

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, 'node_modules/.cache/cio-build');
const run = promisify(execFile);
const ENTRIES = ['index', 'http/express', 'http/koa', 'stores/sqlite', 'stores/redis', 'testing/index', 'health/index'];

describe('packaging: the ES module and CommonJS builds in one process', function () {
  this.timeout(60_000);
  let esm: Package;
  let cjs: Package;

  before(async () => {
    await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out', OUT], { cwd: ROOT });
    esm = (await import(pathToFileURL(join(OUT, 'esm/index.js')).href)) as Package;
    cjs = createRequire(import.meta.url)(join(OUT, 'cjs/index.js')) as Package;
  });

  afterEach(() => {
    esm.setDefaultCioClient(undefined);
  });

  it('are two copies', () => {
    expect(esm.createCioClient).to.not.equal(cjs.createCioClient);
    expect(esm.CioError).to.not.equal(cjs.CioError);
  });

  it('share one default client', async () => {
    const cio = esm.createCioClient({ siteId: 's', apiKey: 'k', logger: esm.silentLogger });
    try {
      esm.setDefaultCioClient(cio);
      expect(cjs.getDefaultCioClient()).to.equal(cio);
      cjs.setDefaultCioClient(undefined);
      expect(esm.getDefaultCioClient()).to.equal(undefined);
    } finally {
      await cio.close({ timeoutMs: 0 });
    }
  });

  it("recognise each other's errors: instanceof and the guards, class by class", () => {
    const fromCjs = new cjs.CioHttpError('TRANSIENT', 'Customer.io answered 503', true, { status: 503 });
    expect(esm.isCioError(fromCjs)).to.equal(true);
    expect(esm.isCioHttpError(fromCjs)).to.equal(true);
    expect(fromCjs).to.be.instanceOf(esm.CioError);
    expect(fromCjs).to.be.instanceOf(esm.CioHttpError);
    expect(fromCjs instanceof esm.CioValidationError).to.equal(false);
    expect(esm.isCioNetworkError(fromCjs)).to.equal(false);

    const fromEsm = new esm.CioValidationError('data.name', 'too long');
    expect(cjs.isCioValidationError(fromEsm)).to.equal(true);
    expect(fromEsm instanceof cjs.CioError).to.equal(true);
    expect(fromEsm instanceof cjs.CioHttpError).to.equal(false);
    expect(cjs.isCioConfigError(new esm.CioConfigError('bad url'))).to.equal(true);
    expect(cjs.isCioError(new esm.CioClosedError())).to.equal(true);

    // The brand, not the name, decides; an app's own subclass is still a CioError of either copy.
    const lookalike = Object.assign(new Error('x'), { name: 'CioError', code: 'UNKNOWN' });
    expect(esm.isCioError(lookalike)).to.equal(false);
    class AppError extends esm.CioError {}
    const own = new AppError('UNKNOWN', 'mine', false);
    expect(cjs.isCioError(own)).to.equal(true);
    expect(own instanceof AppError).to.equal(true);
    expect(new esm.CioError('UNKNOWN', 'base', false) instanceof AppError).to.equal(false);
    expect(JSON.stringify(fromCjs)).to.not.include('customerio-resilience');
  });

  it('run a method decorated by one copy under the default client set by the other, and keep its errors typed', async () => {
    const cio = esm.createCioClient({ siteId: 's', apiKey: 'k', logger: esm.silentLogger, retry: false });
    const results: { operation: string; status: string }[] = [];
    cio.on('result', (r) => results.push({ operation: r.operation, status: r.status }));
    try {
      esm.setDefaultCioClient(cio);
      class Greeter {
        async greet(name: string): Promise<string> {
          return `hello ${name}`;
        }
        async refuse(): Promise<string> {
          throw new esm.CioHttpError('PERMANENT', 'Customer.io answered 422', false, { status: 422 });
        }
      }
      // Applied as experimentalDecorators would, by the CommonJS copy.
      for (const [name, options] of [['greet', { operation: 'dual.greet', fallback: 'throw' }], ['refuse', { operation: 'dual.refuse', fallback: 'throw' }]] as const) {
        const descriptor = Object.getOwnPropertyDescriptor(Greeter.prototype, name)!;
        const decorate = cjs.Resilient(options) as unknown as (t: object, k: string, d: PropertyDescriptor) => PropertyDescriptor;
        Object.defineProperty(Greeter.prototype, name, decorate(Greeter.prototype, name, descriptor));
      }
      const greeter = new Greeter();
      expect(await greeter.greet('ada')).to.equal('hello ada');
      const err = await greeter.refuse().then(() => undefined, (e: unknown) => e);
      expect(esm.isCioHttpError(err)).to.equal(true);
      expect(cjs.isCioHttpError(err) && err.code).to.equal('PERMANENT');
      expect(results).to.deep.equal([
        { operation: 'dual.greet', status: 'sent' },
        { operation: 'dual.refuse', status: 'rejected' },
      ]);
      expect(esm.getResilientOptions(Greeter, 'greet')).to.deep.equal({ operation: 'dual.greet', fallback: 'throw' });
      expect(esm.registerResilient(greeter).sort()).to.deep.equal(['dual.greet', 'dual.refuse']);
    } finally {
      await cio.close({ timeoutMs: 0 });
    }
  });

  it('load without installing reflect-metadata; the first Resilient() loads it', async () => {
    const script = `
      const before = typeof Reflect.getMetadata;
      const cjs = require(${JSON.stringify(join(OUT, 'cjs/index.js'))});
      import(${JSON.stringify(pathToFileURL(join(OUT, 'esm/index.js')).href)}).then((esm) => {
        const imported = typeof Reflect.getMetadata;
        cjs.Resilient();
        console.log([before, imported, typeof Reflect.getMetadata].join(' '));
      });`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: ROOT });
    expect(stdout.trim()).to.equal('undefined undefined function');
  });

  it('the CommonJS build holds no ES module: every entry loads where require() cannot load one (as in Jest)', async () => {
    const script = ENTRIES.map((e) => `require(${JSON.stringify(join(OUT, 'cjs', `${e}.js`))});`).join('\n') + "\nconsole.log('ok');";
    const { stdout } = await run(process.execPath, ['--no-experimental-require-module', '-e', script], { cwd: ROOT });
    expect(stdout.trim()).to.equal('ok');
  });
});
