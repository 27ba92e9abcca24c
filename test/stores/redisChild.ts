/**
 * Test helpers for Redis failures: a redis-server of the test's own (to kill, freeze and restart
 * without touching the shared one), and a TCP proxy in front of a Redis that can lose replies and
 * drop connections on demand.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when a `redis-server` binary is on the PATH. */
export function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A loopback port nothing listens on (taken from the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A redis-server child process on its own port, with its data (AOF) in a temporary folder. */
export interface RedisChild {
  readonly port: number;
  readonly connection: { host: string; port: number };
  /** Starts the server (again, on the same port and data) and resolves once it accepts connections. */
  start(): Promise<void>;
  /** SIGKILLs the server and resolves once it has exited (the sockets to it are then closed). */
  kill(): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: connections stay open but nothing is answered. */
  freeze(): void;
  thaw(): void;
  /** Kills the server if running and deletes its data. Safe to call twice. */
  cleanup(): Promise<void>;
}

/**
 * A redis-server of the test's own. With `appendonly` (the default) its data survives `kill` +
 * `start`, as with a production Redis that restarts; without, a restart starts empty.
 */
export async function redisChild(options: { appendonly?: boolean } = {}): Promise<RedisChild> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cio-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', options.appendonly === false ? 'no' : 'yes'];
  let child: ChildProcess | undefined;

  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGCONT');
    running.kill('SIGKILL');
    await exited;
  };

  return {
    port,
    connection: { host: '127.0.0.1', port },
    async start() {
      if (child) throw new Error('redis-server is already running');
      const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s: ${out.slice(-500)}`)), 10_000);
        started.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Ready to accept connections')) {
            clearTimeout(timer);
            resolve();
          }
        });
        started.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        started.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`redis-server exited (${code ?? signal}): ${out.slice(-500)}`));
        });
      });
      started.removeAllListeners('exit');
      started.stdout!.resume();
      started.stderr!.resume();
    },
    kill,
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    async cleanup() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP proxy to a Redis, able to hold back or lose replies and to drop connections. */
export interface RedisProxy {
  readonly port: number;
  readonly connection: { host: string; port: number };
  /**
   * From the moment a client sends a command containing `marker` on a connection, that
   * connection's replies are held back (`'hold'`, until `releaseHeld`) or lost (`'lose'`); the
   * commands still reach Redis and run. Applies to the first connection that sends it.
   */
  interceptRepliesAfter(marker: string, mode: 'hold' | 'lose'): void;
  /** Sends the replies held back so far, and lets later ones through. */
  releaseHeld(): void;
  /** Drops every connection open now (as a dead network path or a Redis restart would). */
  dropConnections(): void;
  close(): Promise<void>;
}

interface ProxiedConnection {
  client: Socket;
  upstream: Socket;
  mode: 'pass' | 'hold' | 'lose';
  held: Buffer[];
}

/** Starts a proxy on a free loopback port to `target`. */
export async function redisProxy(target: { host: string; port: number }): Promise<RedisProxy> {
  const conns = new Set<ProxiedConnection>();
  let trap: { marker: Buffer; mode: 'hold' | 'lose' } | undefined;
  const server: Server = createServer((client) => {
    const conn: ProxiedConnection = { client, upstream: createConnection(target), mode: 'pass', held: [] };
    conns.add(conn);
    client.on('data', (d: Buffer) => {
      if (trap && d.includes(trap.marker)) {
        conn.mode = trap.mode;
        trap = undefined;
      }
      conn.upstream.write(d);
    });
    conn.upstream.on('data', (d: Buffer) => {
      if (conn.mode === 'pass') client.write(d);
      else if (conn.mode === 'hold') conn.held.push(d);
    });
    const end = (): void => {
      conns.delete(conn);
      client.destroy();
      conn.upstream.destroy();
    };
    for (const socket of [client, conn.upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const dropConnections = (): void => {
    for (const conn of [...conns]) {
      conn.client.destroy();
      conn.upstream.destroy();
    }
    conns.clear();
  };
  return {
    port,
    connection: { host: '127.0.0.1', port },
    interceptRepliesAfter(marker, mode) {
      trap = { marker: Buffer.from(marker), mode };
    },
    releaseHeld() {
      for (const conn of conns) {
        if (conn.mode !== 'hold') continue;
        conn.mode = 'pass';
        for (const d of conn.held.splice(0)) conn.client.write(d);
      }
    },
    dropConnections,
    async close() {
      trap = undefined;
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
