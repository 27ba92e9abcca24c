import { expect } from 'chai';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteQueue } from '../../src/stores/sqlite.js';
import { fakeClock, ids, makeEntry } from '../support/entries.js';
import { describeQueueStore } from '../support/storeContract.js';

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];

/** A fresh folder under the OS temp dir, removed after the run. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cio-sqlite-'));
  dirs.push(dir);
  return dir;
}


const mode = (path: string): number => statSync(path).mode & 0o777;

const fake = fakeClock();
const clock = fake.now;

describeQueueStore(
  'sqliteQueue',
  async (options = {}) => {
    const dir = tempDir();
    const store = sqliteQueue({ path: join(dir, 'queue.db'), now: clock, ...options });
    return {
      store,
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  fake.suite,
);

describe('sqliteQueue', () => {
  after(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  describe('options', () => {
    it('requires a path and checks every option eagerly, naming it', () => {
      expect(() => sqliteQueue(undefined as never)).to.throw(TypeError, /path/);
      expect(() => sqliteQueue({} as never)).to.throw(TypeError, 'sqliteQueue: path must be a non-empty string, got undefined');
      const path = join(tempDir(), 'q.db');
      expect(() => sqliteQueue({ path, tableName: 'drop table;' })).to.throw(RangeError, /tableName .* got "drop table;"/);
      expect(() => sqliteQueue({ path, synchronous: 'off' as never })).to.throw(RangeError, /synchronous .* got "off"/);
      expect(() => sqliteQueue({ path, maxSize: 0 })).to.throw(RangeError, /maxSize .* got 0/);
      expect(() => sqliteQueue({ path, busyTimeoutMs: -1 })).to.throw(RangeError, /busyTimeoutMs .* got -1/);
    });
  });

  describe('files', () => {
    it('creates the database and its WAL owner-only (0600) whatever the umask, in a new 0700 folder', async () => {
      const path = join(tempDir(), 'nested', 'queue.db');
      const previous = process.umask(0o000);
      let store;
      try {
        store = sqliteQueue({ path });
      } finally {
        process.umask(previous);
      }
      await store.push(makeEntry());
      expect(mode(path)).to.equal(0o600);
      expect(mode(`${path}-wal`)).to.equal(0o600);
      expect(mode(dirname(path))).to.equal(0o700);
      await store.close();
    });

    it('narrows an existing, wider file to 0600', async () => {
      const path = join(tempDir(), 'queue.db');
      writeFileSync(path, '');
      chmodSync(path, 0o644);
      const store = sqliteQueue({ path });
      expect(mode(path)).to.equal(0o600);
      await store.close();
    });

    it('uses the table names it is given, dead letters in <tableName>_dead', async () => {
      const path = join(tempDir(), 'queue.db');
      const store = sqliteQueue({ path, tableName: 'my_queue' });
      await store.push(makeEntry());
      await store.addDeadLetter(makeEntry(), 'PERMANENT');
      await store.close();
      const db = new Database(path, { readonly: true });
      const tables = db.prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
      const counts = [db.prepare('SELECT COUNT(*) FROM my_queue').pluck().get(), db.prepare('SELECT COUNT(*) FROM my_queue_dead').pluck().get()];
      db.close();
      expect(tables).to.deep.equal(['my_queue', 'my_queue_dead']);
      expect(counts).to.deep.equal([1, 1]);
    });

    it('refuses a second opening of a file that is in use', async () => {
      const path = join(tempDir(), 'queue.db');
      const store = sqliteQueue({ path });
      expect(() => sqliteQueue({ path, busyTimeoutMs: 0 })).to.throw(Error, /in use/);
      await store.push(makeEntry());
      await store.close();
      const again = sqliteQueue({ path, busyTimeoutMs: 0 });
      expect((await again.stats()).depth).to.equal(1);
      await again.close();
    });
  });

  describe('durability', () => {
    it('keeps entries, dead letters and their order across close and reopen, and frees old leases', async () => {
      const path = join(tempDir(), 'queue.db');
      const entries = [makeEntry({ personKey: 'A', eventId: '01HZY3K9Q8X2V5N7M4B6C1D0EH' }), makeEntry({ personKey: 'A' }), makeEntry({ personKey: 'B' })];
      const dead = makeEntry({ operation: 'sendEmail' });
      const first = sqliteQueue({ path, synchronous: 'full' });
      for (const e of entries) await first.push(e);
      await first.addDeadLetter(dead, 'AMBIGUOUS: timed out');
      expect(ids(await first.take(10, 3_600_000))).to.deep.equal([entries[0]!.id, entries[2]!.id]);
      await first.retry([entries[2]!.id], 0, 'NETWORK: refused');
      await first.close();

      const second = sqliteQueue({ path });
      expect(await second.stats()).to.include({ depth: 3, deadLetters: 1, dropped: 0 });
      expect(await second.take(10, 60_000)).to.deep.equal([entries[0], { ...entries[2], attempts: 1, lastError: 'NETWORK: refused' }]);
      const [letter] = await second.listDeadLetters();
      expect(letter).to.deep.include({ ...dead, reason: 'AMBIGUOUS: timed out' });
      await second.close();
    });

    it('loses no committed push when the process is killed with SIGKILL, and frees its lease', async function () {
      this.timeout(30_000);
      const path = join(tempDir(), 'queue.db');
      const count = 500;
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'sqliteCrashChild.ts'), path, String(count), 'crash'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const leasedId = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /ready (\S+)\n/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.on('exit', (code) => reject(new Error(`child exited early (${String(code)}): ${stderr}`)));
      });
      child.kill('SIGKILL');
      expect(await exited).to.equal('SIGKILL');

      const store = sqliteQueue({ path });
      expect((await store.stats()).depth).to.equal(count);
      const taken = await store.take(count + 10, 60_000);
      expect(taken).to.have.length(count);
      expect(new Set(ids(taken)).size).to.equal(count);
      expect(ids(taken)[0]).to.equal(leasedId);
      expect(ids(taken)).to.deep.equal(Array.from({ length: count }, (_, i) => `crash-${String(i).padStart(6, '0')}`));
      await store.close();
    });
  });
});
