import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An emulator running in a child process (see emulatorProcess.ts). */
export interface RemoteEmulator {
  url: string;
  trackUrl: string;
  appUrl: string;
  /** Sends `hang` (every request hangs from now on) or `clear` (no more faults); resolves once applied. */
  command(name: 'hang' | 'clear'): Promise<void>;
  /** CPU time the emulator process has used so far, in µs. */
  cpu(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the emulator in a child process and resolves once it listens. */
export function startRemoteEmulator(): Promise<RemoteEmulator> {
  // Compiled (npm run bench) or through tsx: the child runs the same way as this process.
  const self = fileURLToPath(import.meta.url);
  const script = join(dirname(self), `emulatorProcess${extname(self)}`);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [...process.execArgv, script], { stdio: 'pipe' });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`emulator process exited (${code})`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /URL (\S+)/.exec(out);
      if (!m) return;
      child.stdout.removeAllListeners('data');
      const url = m[1]!;
      resolve({
        url,
        trackUrl: `${url}/api/v1`,
        appUrl: `${url}/v1`,
        command: (name) =>
          new Promise<void>((done) => {
            const onData = (d: Buffer): void => {
              if (!d.toString().includes(`OK ${name}`)) return;
              child.stdout.off('data', onData);
              done();
            };
            child.stdout.on('data', onData);
            child.stdin.write(`${name}\n`);
          }),
        cpu: () =>
          new Promise<number>((done) => {
            let got = '';
            const onData = (d: Buffer): void => {
              got += d.toString();
              const m = /CPU (\d+)\n/.exec(got);
              if (!m) return;
              child.stdout.off('data', onData);
              done(Number(m[1]));
            };
            child.stdout.on('data', onData);
            child.stdin.write('cpu\n');
          }),
        close: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.stdin.end();
          }),
      });
    });
  });
}
