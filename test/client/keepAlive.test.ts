import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startCioEmulator, type CioEmulator } from '../../src/testing/index.js';

const script = fileURLToPath(new URL('./fixtures/scriptExits.ts', import.meta.url));

/** Runs the fixture in `mode`; resolves its exit code and the JSON lines it printed. */
function runScript(emu: CioEmulator, mode: string, onLine?: (line: unknown, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; lines: unknown[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, emu.trackUrl, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: unknown[] = [];
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl)) as unknown;
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        onLine?.(line, child);
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, lines }));
  });
}

describe('client: work in progress keeps the process alive (a bare script, no other handle)', function () {
  this.timeout(60_000);
  let emu: CioEmulator;
  beforeEach(async () => {
    emu = await startCioEmulator({ siteId: 's', apiKey: 'k' });
  });
  afterEach(() => emu.close());

  it('awaits a { batch: true } call and close(), prints the result and exits 0', async () => {
    const { code, lines } = await runScript(emu, 'batch');
    expect(lines).to.deep.equal(['sent', { delivered: 0, remaining: 0 }]);
    expect(code).to.equal(0);
    expect(emu.events.map((e) => e.name)).to.deep.equal(['batched']);
  });

  it('awaits calls waiting for the rate limiter and exits 0 once they settled', async () => {
    const { code, lines } = await runScript(emu, 'rate');
    expect(lines[0]).to.deep.equal(['sent', 'sent', 'sent']);
    expect(code).to.equal(0);
    expect(emu.events).to.have.length(3);
  });

  it('delivers all 2 000 queued events in close() before exiting (none lost)', async () => {
    await emu.down();
    const { code, lines } = await runScript(emu, 'drain', (line, child) => {
      if (typeof line === 'object' && line !== null && 'queued' in line) void emu.up().then(() => child.stdin!.write('go\n'));
    });
    expect(lines[0]).to.deep.equal({ queued: 2_000 });
    expect(lines[1]).to.deep.equal({ delivered: 2_000, remaining: 0 });
    expect(code).to.equal(0);
    expect(emu.events).to.have.length(2_000);
  });
});
