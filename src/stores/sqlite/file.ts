import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

const OWNER_ONLY = 0o600;
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/** True for SQLite names that are not a plain file path (`:memory:` and `file:` URIs). */
export function isSpecialPath(path: string): boolean {
  return path === ':memory:' || path.startsWith('file:');
}

/**
 * Creates the database file (and its folder, mode 0700) before SQLite opens it, so it is born
 * owner-only (0600) whatever the umask; an existing file is narrowed to 0600 too.
 */
export function prepareDatabaseFile(path: string): void {
  if (isSpecialPath(path)) return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'a', OWNER_ONLY);
  try {
    if (process.platform !== 'win32') fchmodSync(fd, OWNER_ONLY);
  } finally {
    closeSync(fd);
  }
}

/**
 * Narrows SQLite's side files (write-ahead log, shared memory, journal) to 0600. SQLite gives them
 * the database file's mode already; this covers files left by an older, laxer setup.
 */
export function secureSideFiles(path: string): void {
  if (isSpecialPath(path) || process.platform === 'win32') return;
  for (const suffix of SIDE_FILES) {
    const side = path + suffix;
    if (existsSync(side)) chmodSync(side, OWNER_ONLY);
  }
}
