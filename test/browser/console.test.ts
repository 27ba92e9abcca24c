/**
 * The operations console's page in a real headless Chromium (Debian's `chromium` package, driven by
 * playwright-core; `.ci/run` installs it): it loads under its strict CSP, shows a dead letter made
 * against the emulator, refreshes itself, re-drives it (the emulator receives it once), holds and
 * releases the circuits, discards, and a page of another origin cannot act through the browser.
 *
 * Chromium is required: without it this file fails (it is never skipped). `CHROMIUM_PATH` points
 * at another binary.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express, { type Request } from 'express';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { CioClient } from '../../src/client/CioClient.js';
import { cioConsoleRouter } from '../../src/http/express.js';
import type { AcceptedOperation } from '../../src/testing/index.js';
import { harness, type Harness } from '../support/harness.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const BASE = '/ops/customerio';
/** A person id that is markup: the page must show it as text. */
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

/** Listens on 127.0.0.1; resolves the base URL. */
async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Resolves with `promise`, or rejects after `ms` saying what did not happen. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('browser: the operations console in headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let h: Harness;
  let cio: CioClient;
  let server: Server;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  /** CSP reports, script errors and failed requests the page had: each test expects none. */
  let problems: string[];
  const servers: Server[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });
  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    h = await harness();
    // The drain runs, as in an app: a re-driven dead letter goes out without a flush.
    cio = h.client({ drain: { enabled: true, intervalMs: 50 } });
    const app = express();
    // The operator's "session" is a header the browser context sends with every request.
    app.use(BASE, cioConsoleRouter(cio, { guard: (req: Request) => req.get('x-operator') === 'alice', title: 'orders-api <staging>', refreshMs: 1_000 }));
    server = createServer(app);
    base = await listen(server);
    context = await browser.newContext({ extraHTTPHeaders: { 'x-operator': 'alice' } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    problems = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  });

  afterEach(async () => {
    await context?.close();
    for (const s of [server, ...servers.splice(0)]) {
      s.close();
      s.closeAllConnections();
    }
    await h.cleanup();
  });

  /** Makes a dead letter: Customer.io refuses the person's identify for good (a 401). */
  async function deadLetterOf(person: string): Promise<string> {
    h.emu.fault({ status: 401, times: 1 });
    const r = await cio.identify(person, { plan: 'pro' });
    expect(r.status, JSON.stringify(r)).to.equal('rejected');
    const dead = (await cio.deadLetters()).find((d) => d.personKey === person);
    expect(dead, 'a dead letter').to.not.equal(undefined);
    return dead!.id;
  }

  /** Resolves once the emulator accepts an identify of `person`. */
  function identified(person: string): Promise<AcceptedOperation> {
    return new Promise((resolve) => {
      const listener = (op: AcceptedOperation) => {
        if (op.operation === 'identify' && op.personId === person) {
          h.emu.off('operation', listener);
          resolve(op);
        }
      };
      h.emu.on('operation', listener);
    });
  }

  const identifiesOf = (person: string): number => h.emu.operations.filter((o) => o.operation === 'identify' && o.personId === person).length;
  const message = (text: string | RegExp) => page.locator('#message').filter({ hasText: text }).waitFor();

  it('loads under its CSP, shows a dead letter as text, re-drives it from the page, and the emulator receives it once', async () => {
    const id = await deadLetterOf(HOSTILE);
    const res = await page.goto(`${base}${BASE}`);
    expect(page.url(), 'redirected to the trailing slash').to.equal(`${base}${BASE}/`);
    expect(res?.headers()['content-security-policy']).to.match(/^default-src 'none'; script-src 'self';/);

    const row = page.locator(`#dead tbody tr[data-id="${id}"]`);
    await row.waitFor();
    expect(await page.locator('h1').textContent()).to.equal('orders-api <staging>');
    expect(await row.locator('td.person').textContent()).to.equal(HOSTILE);
    expect(await row.locator('td.operation').textContent()).to.equal('identify');
    expect(await row.locator('td.reason').textContent()).to.match(/^PERMANENT: /);
    expect(await page.locator('#circuits tr[data-api="track"] td.state').textContent()).to.equal('CLOSED');
    expect(await page.locator('#queue dd[data-field="dead letters"]').textContent()).to.equal('1');
    expect(await page.locator('#outcomes tr[data-outcome="rejected"] td.num').first().textContent()).to.equal('1');
    expect(await page.locator('main img').count(), 'no element made from the data').to.equal(0);
    expect(await page.locator('#redrive-selected').isDisabled()).to.equal(true);

    const delivered = identified(HOSTILE);
    await row.locator('input.select').check();
    await page.locator('#redrive-selected').click();
    await message('Re-drove 1 dead letter.');
    await within(delivered, 10_000, 'the emulator receiving the re-driven identify');
    await page.locator('#dead-empty').waitFor({ state: 'visible' });
    await page.locator('#queue dd[data-field="dead letters"]').filter({ hasText: /^0$/ }).waitFor();

    // A flush from the page: nothing is left, and nothing went twice.
    await page.locator('#flush').click();
    await message(/^Flush: \d+ delivered, 0 still waiting\.$/);
    expect(identifiesOf(HOSTILE)).to.equal(1);
    expect(h.emu.people.get(HOSTILE)).to.include({ plan: 'pro' });
    expect(await cio.deadLetters()).to.deep.equal([]);
    expect(await page.evaluate('typeof window.__pwned')).to.equal('undefined');
    expect(problems).to.deep.equal([]);
  });

  it('refreshes itself, holds and releases the circuits, and discards a dead letter for good', async () => {
    await page.goto(`${base}${BASE}/`);
    await page.locator('#dead-empty').waitFor({ state: 'visible' });
    // Made after the page loaded: it shows up on its own.
    const id = await deadLetterOf('late-person');
    const row = page.locator(`#dead tbody tr[data-id="${id}"]`);
    await row.waitFor();

    page.on('dialog', (d) => void d.accept());
    await page.locator('#isolate').click();
    await message('Circuits held open: calls go to the queue.');
    await page.locator('#circuits tr[data-api="track"] td.state').filter({ hasText: 'ISOLATED' }).waitFor();
    expect(await page.locator('#isolation').textContent()).to.match(/^Held open from this console since /);
    expect(cio.health().circuit_state).to.equal('ISOLATED');
    expect(await page.locator('#isolate').isDisabled()).to.equal(true);
    await page.locator('#release').click();
    await message('Circuits released.');
    await page.locator('#circuits tr[data-api="track"] td.state').filter({ hasText: 'CLOSED' }).waitFor();
    expect(cio.health().circuit_state).to.equal('CLOSED');

    await row.locator('button.discard').click();
    await message('Discarded 1 dead letter.');
    await page.locator('#dead-empty').waitFor({ state: 'visible' });
    expect(await cio.deadLetters()).to.deep.equal([]);
    expect(identifiesOf('late-person')).to.equal(0);
    expect(problems).to.deep.equal([]);
  });

  it('cannot be driven by a page of another origin, even with the operator signed in', async () => {
    const id = await deadLetterOf('target');
    // The attacker's page: another origin (another port), in the operator's browser.
    const evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html><title>evil</title><p>evil</p>');
    });
    servers.push(evil);
    const evilBase = await listen(evil);
    await page.goto(`${evilBase}/`);
    const target = `${base}${BASE}/api/redrive`;
    const outcomes = await page.evaluate(async (url) => {
      const tries: string[] = [];
      // What a cross-site page can send without a CORS preflight: a no-cors fetch with a simple body.
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        try {
          await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': type }, body: '{"all":true}' });
          tries.push(`${type}: sent`);
        } catch (e) {
          tries.push(`${type}: ${String(e)}`);
        }
      }
      // A JSON fetch needs a preflight the console never grants: the browser refuses it.
      try {
        await fetch(url, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{"all":true}' });
        tries.push('json: sent');
      } catch {
        tries.push('json: blocked');
      }
      return tries;
    }, target);
    expect(outcomes.at(-1)).to.equal('json: blocked');
    // A plain form post, the classic CSRF.
    const posted = page.waitForResponse((r) => r.url() === target);
    // (A string: the test is compiled without the DOM's types.)
    await page.evaluate(`(() => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = ${JSON.stringify(target)};
      form.enctype = 'text/plain';
      const input = document.createElement('input');
      input.name = '{"all":true,"x":"';
      input.value = '"}';
      form.appendChild(input);
      document.body.appendChild(form);
      form.submit();
    })()`);
    const answer = await posted;
    expect(answer.status()).to.equal(403);
    expect((await cio.deadLetters()).map((d) => d.id)).to.deep.equal([id]);
    expect(identifiesOf('target')).to.equal(0);
  });
});
