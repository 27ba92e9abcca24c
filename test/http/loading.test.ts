import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** The optional peers loaded by importing `entry` in a fresh process. */
async function peersLoadedBy(entry: string, action?: 'metrics'): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/http/fixtures/loadedPeers.ts', entry, ...(action ? [action] : [])], { cwd: root });
  return JSON.parse(stdout) as string[];
}

describe('http: optional peers stay unloaded', () => {
  it('the fixture does see a peer that is loaded', async () => {
    expect(await peersLoadedBy('node_modules/koa/lib/application.js')).to.include('koa');
  });

  it('the core entry loads no framework and no prom-client', async () => {
    expect(await peersLoadedBy('src/index.ts')).to.deep.equal([]);
  });

  for (const entry of ['src/http/express.ts', 'src/http/koa.ts']) {
    it(`${entry} loads neither framework, and prom-client only when metrics are asked for`, async () => {
      expect(await peersLoadedBy(entry)).to.deep.equal([]);
      expect(await peersLoadedBy(entry, 'metrics')).to.deep.equal(['prom-client']);
    });
  }
});
