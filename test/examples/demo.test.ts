import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The number that leads a ledger line such as `  lost   0  accepted but ...`. */
function figure(output: string, name: string): number {
  const m = new RegExp(`^\\s+${name}\\s+(\\d+)\\s`, 'm').exec(output);
  if (!m) throw new Error(`no "${name}" line in the demo's ledger:\n${output.slice(-3000)}`);
  return Number(m[1]);
}

describe('examples: the outage demo (examples/demo.ts --fast)', function () {
  this.timeout(60_000);
  let out: string;
  let output = '';
  let code: number | null = null;

  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'cio-demo-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo.ts', '--fast', `--out=${out}`], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    [code] = (await once(child, 'exit')) as [number | null];
  });
  after(() => rm(out, { recursive: true, force: true }));

  it('exits 0 with a ledger of accepted operations, none lost, none duplicated', () => {
    expect(code, output.slice(-3000)).to.equal(0);
    expect(figure(output, 'accepted')).to.be.greaterThan(0);
    expect(figure(output, 'delivered')).to.equal(figure(output, 'accepted'));
    expect(figure(output, 'lost')).to.equal(0);
    expect(figure(output, 'duplicated')).to.equal(0);
    expect(output).to.match(/^RESULT ok:/m);
  });

  it('plays every phase, and the circuit opens during the outage and closes after it', () => {
    for (const phase of ['healthy', 'failing', 'outage', 'recovery']) expect(output).to.match(new RegExp(`^\\s+${phase}\\s+\\d+`, 'm'));
    expect(output).to.include('circuit → OPEN');
    expect(output).to.include('circuit → CLOSED');
    expect(output).to.match(/GET \/health\/customerio → 503/);
  });

  it('writes an SVG chart of the run and prints its path', async () => {
    const path = join(out, 'run.svg');
    expect(output).to.include(path);
    const svg = await readFile(path, 'utf8');
    expect(svg.trimStart().startsWith('<svg')).to.equal(true);
    expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
    expect(svg).to.match(/<polyline|<path/);
    // Well-formed enough for a browser: every element opened is closed.
    const open = (svg.match(/<(g|svg)[\s>]/g) ?? []).length;
    const closed = (svg.match(/<\/(g|svg)>/g) ?? []).length;
    expect(open).to.equal(closed);
  });
});
