import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeOnSignals } from '../../src/client/closeOnSignals.js';
import { CREDS, harness, type Harness } from '../support/harness.js';

describe('client: closeOnSignals', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('on SIGTERM delivers what was queued, then lets the process end by the signal', async () => {
    await h.emu.down();
    const script = fileURLToPath(new URL('./fixtures/signalClose.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, h.emu.trackUrl], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CUSTOMERIO_SITE_ID: CREDS.siteId, CUSTOMERIO_TRACK_API_KEY: CREDS.apiKey },
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    await h.emu.up();
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGTERM');
    expect(await exited).to.equal('SIGTERM');
    expect(h.emu.events.map((e) => e.name)).to.deep.equal(['e0', 'e1', 'e2', 'e3', 'e4']);
  });

  it('validates its options and can be removed', () => {
    const cio = h.client();
    expect(() => closeOnSignals(cio, { timeoutMs: -1 })).to.throw(RangeError, /timeoutMs must be a finite number >= 0, got -1/);
    const before = process.listenerCount('SIGTERM');
    const remove = closeOnSignals(cio);
    expect(process.listenerCount('SIGTERM')).to.equal(before + 1);
    remove();
    expect(process.listenerCount('SIGTERM')).to.equal(before);
  });
});
