/**
 * Shared by the runnable examples: when a file is run directly, start an emulator, a client and
 * the app, and stop them all on SIGINT/SIGTERM. Not part of the package.
 */
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createCioClient, type CioClient } from '../src/index.js';
import { EMULATOR_DEFAULTS, startCioEmulator } from '../src/testing/index.js';

/** An app that can listen: an Express application or a Koa instance. */
interface Listenable {
  listen(port: number, host: string, callback: () => void): Server;
}

/** Runs `createApp` against a local emulator when `moduleUrl` is the file node was started with. */
export function serveExampleWhenRun(moduleUrl: string, name: string, createApp: (cio: CioClient) => Listenable): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  void (async () => {
    const emu = await startCioEmulator();
    const cio = createCioClient({ siteId: EMULATOR_DEFAULTS.siteId, apiKey: EMULATOR_DEFAULTS.apiKey, trackUrl: emu.trackUrl, appUrl: emu.appUrl });
    const server = createApp(cio).listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      process.stdout.write(`${name} example listening on http://127.0.0.1:${port} (Customer.io emulator at ${emu.url})\n`);
    });
    const stop = (): void => {
      server.close();
      server.closeAllConnections();
      void cio.close({ timeoutMs: 2_000 }).then(() => emu.close());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  })().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
