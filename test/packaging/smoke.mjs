// A smoke test of the installed package, run by scripts/check-package.mjs from a fresh project that
// installed only the packed tarball (no dev dependencies, no optional peers), on the lowest Node.js
// version `engines` allows. It imports the ES module build and requires the CommonJS one, and
// sends an event through each to the local emulator (with tracing on by default and no
// @opentelemetry/api to trace with).
import { createRequire } from 'node:module';
import * as esm from 'customerio-resilience';
import { EMULATOR_DEFAULTS, startCioEmulator } from 'customerio-resilience/testing';

const cjs = createRequire(import.meta.url)('customerio-resilience');
const fail = (message) => {
  console.error(`smoke: ${message}`);
  process.exit(1);
};

if (typeof Reflect.getMetadata !== 'undefined') fail('importing the package installed reflect-metadata');
const emu = await startCioEmulator();
const { siteId, apiKey } = EMULATOR_DEFAULTS;
const statuses = [];
for (const [name, pkg] of [['esm', esm], ['cjs', cjs]]) {
  const cio = pkg.createCioClient({ siteId, apiKey, trackUrl: emu.trackUrl, logger: pkg.silentLogger });
  const result = await cio.track(`user-${name}`, { name: 'smoke_tested', data: { build: name } });
  statuses.push(`${name}:${result.status}`);
  await cio.close({ timeoutMs: 2_000 });
}
await emu.close();
if (statuses.join(' ') !== 'esm:sent cjs:sent') fail(`expected both builds to send, got ${statuses.join(' ')}`);
if (emu.events.length !== 2) fail(`expected 2 events at the emulator, got ${emu.events.length}`);
if (!esm.isCioError(new cjs.CioHttpError('TRANSIENT', 'x', true))) fail('the ES module build does not recognise a CommonJS CioError');
// Without @opentelemetry/api (an optional peer) the client makes no spans; asking for a provider says what is missing.
try {
  esm.createCioClient({ siteId, apiKey, tracing: { tracerProvider: { getTracer() {} } } });
  fail('tracing.tracerProvider was accepted without @opentelemetry/api installed');
} catch (err) {
  if (!(err instanceof TypeError) || !/needs @opentelemetry\/api installed/.test(err.message)) fail(`tracing without @opentelemetry/api: ${err}`);
}
console.log(`smoke: ok on Node.js ${process.version} (ES module and CommonJS builds: ${statuses.join(', ')})`);
