import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ERROR_TEXTS, LOG_LINES, SECRETS, capturingLogger, harness, type Harness } from '../support/harness.js';

describe('client: safety (credentials, listeners, shutdown)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('keeps credentials out of logs, errors and health through every kind of failure', async () => {
    const lines: string[] = [];
    const cio = h.client({ logger: capturingLogger(lines), timeoutMs: 100 });
    const faults = [
      { status: 401 }, { status: 403 }, { status: 500 }, { status: 502, body: 'html' as const },
      { reset: true }, { hang: true }, { status: 429, retryAfter: 999 },
    ];
    const texts: string[] = [];
    for (const f of faults) {
      h.emu.clearFaults();
      h.emu.fault(f);
      const r = await cio.identify(`u-${JSON.stringify(f)}`, { a: 1 });
      expect(r.error, JSON.stringify(f)).to.not.equal(undefined);
      texts.push(JSON.stringify(r), r.error!.message, r.error!.stack ?? '');
      const s = await cio.sendEmail({ to: 'a@example.com', identifiers: { id: 'u' }, transactional_message_id: '1' });
      texts.push(JSON.stringify(s), s.error?.message ?? '', s.error?.stack ?? '');
    }
    await h.emu.down();
    const down = await cio.track('u', { name: 'x' });
    texts.push(JSON.stringify(down), down.error?.message ?? '');
    texts.push(JSON.stringify(cio.health()), JSON.stringify(await cio.deadLetters()));
    expect(lines.length).to.be.greaterThan(0);
    for (const text of [...texts, ...lines]) for (const s of SECRETS) expect(text).to.not.include(s);
    // The shared collectors feed the suite-wide check in test/hooks.ts.
    LOG_LINES.push(...lines);
    ERROR_TEXTS.push(...texts.filter(Boolean));
  });

  it('a listener that throws is logged and never breaks a call', async () => {
    const lines: string[] = [];
    const cio = h.client({ logger: capturingLogger(lines) });
    cio.on('sent', () => {
      throw new Error('listener bug');
    });
    const r = await cio.identify('u1', {});
    expect(r.status).to.equal('sent');
    expect(lines.some((l) => l.includes('listener threw'))).to.equal(true);
  });

  it('unsubscribes with the returned function or off()', async () => {
    const cio = h.client();
    let a = 0;
    let b = 0;
    const offA = cio.on('sent', () => a++);
    const fb = (): void => {
      b++;
    };
    cio.on('sent', fb);
    await cio.identify('u1', {});
    offA();
    cio.off('sent', fb);
    await cio.identify('u2', {});
    expect([a, b]).to.deep.equal([1, 1]);
  });

  it('a logger that throws does not break a call', async () => {
    const boom = (): void => {
      throw new Error('logger down');
    };
    const cio = h.client({ logger: { debug: boom, info: boom, warn: boom, error: boom }, queue: false });
    h.emu.fault({ status: 400 });
    const r = await cio.identify('u1', {});
    expect(['rejected', 'failed']).to.include(r.status);
  });

  it('close() finishes in-flight calls, refuses new ones, and is safe twice', async () => {
    const cio = h.client();
    h.emu.fault({ delayMs: 50, times: 1 });
    const inflight = cio.identify('u1', {});
    const closing = cio.close({ timeoutMs: 2000 });
    const again = cio.close();
    expect(again).to.equal(closing);
    expect((await inflight).status).to.equal('sent');
    await closing;
    expect(cio.closed).to.equal(true);
    const after = await cio.identify('u2', {});
    expect(after.status).to.equal('failed');
    expect(after.error?.code).to.equal('CLOSED');
  });

  it('flush() after close() resolves with what close() achieved, never rejects', async () => {
    const cio = h.client();
    await h.emu.down();
    await cio.track('u1', { name: 'x' });
    const closed = await cio.close({ timeoutMs: 50 });
    expect(await cio.flush({ timeoutMs: 50 })).to.deep.equal(closed);
  });

  it('run() scopes a caller key by operation, like the built-in operations', async () => {
    const cio = h.client();
    let runs = 0;
    const fn = async (): Promise<number> => ++runs;
    const a = await cio.run('welcome', fn, { idempotencyKey: 'user-1' });
    const b = await cio.run('welcome', fn, { idempotencyKey: 'user-1' });
    const c = await cio.run('reminder', fn, { idempotencyKey: 'user-1' });
    expect([a.status, b.status, c.status]).to.deep.equal(['sent', 'duplicate', 'sent']);
    expect(runs).to.equal(2);
    expect(a.value).to.equal(1);
  });

  it('close() leaves nothing that keeps the process alive', async () => {
    // A child process makes calls (rate-limited, retried, queued), closes the client and must then
    // exit by itself: no process.exit, so any timer, socket or handle left behind would keep it alive.
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/closeExits.ts', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).to.include('closed');
    expect(code, 'the child did not exit by itself after close()').to.equal(0);
  });
});
