/**
 * Runs the emulator in its own process, so a benchmark measures the client's CPU alone.
 * Prints `URL <url>` once listening; exits when its stdin closes. Commands on stdin: `reset`,
 * `count` (answers `COUNT <n>`), `cpu` (answers `CPU <µs of CPU this process has used>`), `hang` (every request hangs from now on) and `clear` (no more
 * faults); `hang` and `clear` answer `OK <command>`.
 */
import { startCioEmulator } from '../src/testing/index.js';

const emu = await startCioEmulator({ siteId: 's', apiKey: 'k', appApiKey: 'a' });
process.stdout.write(`URL ${emu.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => void emu.close().then(() => process.exit(0)));
process.stdin.on('data', (d: Buffer) => {
  if (d.toString().includes('reset')) emu.reset();
  if (d.toString().includes('count')) process.stdout.write(`COUNT ${emu.requests.length}\n`);
  if (d.toString().includes('cpu')) {
    const u = process.cpuUsage();
    process.stdout.write(`CPU ${u.user + u.system}\n`);
  }
  if (d.toString().includes('hang')) {
    emu.fault({ hang: true });
    process.stdout.write('OK hang\n');
  }
  if (d.toString().includes('clear')) {
    emu.clearFaults();
    process.stdout.write('OK clear\n');
  }
});
