/**
 * A rejected `push` of a Redis store: `maybeQueued` says whether the entry may be stored anyway.
 * `false`: it surely was not stored and never will be (nothing that writes it was sent, and
 * nothing is left to send it later). `true`: the write was sent but not confirmed (the reply timed
 * out or the connection dropped), so it may or may not be stored, and may be delivered.
 */
export type PushFailure = Error & { maybeQueued: boolean };

/** Marks an error thrown before anything was sent (invalid entry, closed store) as surely not stored. */
export function notQueued(err: unknown): PushFailure {
  const failure = (err instanceof Error ? err : new Error(String(err))) as PushFailure;
  failure.maybeQueued = false;
  return failure;
}

/** Wraps a Redis failure of `push`, keeping its message and saying whether the entry may be stored. */
export function pushFailure(where: string, err: unknown, maybeQueued: boolean): PushFailure {
  const cause = err instanceof Error ? err : new Error(String(err));
  const note = maybeQueued
    ? 'the write was sent but not confirmed, so the entry may be queued'
    : 'the entry was not stored and will not be';
  const failure = new Error(`${cause.message} (${where}.push: ${note})`, { cause }) as PushFailure;
  failure.maybeQueued = maybeQueued;
  return failure;
}
