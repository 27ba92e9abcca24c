const noop = (): void => {};
/** Longest delay a Node.js timer takes (about 24.8 days). */
const LONGEST = 2 ** 31 - 1;

/**
 * Keeps the process alive while work is pending: one interval handle, ref'd while at least one
 * call, flush or close is pending and unref'd otherwise. Every other timer of the client may then
 * stay unref'd: an idle client never holds the process open, and a script that awaits a call, a
 * flush or a close (or a SIGTERM handler that closes) never exits in the middle of it.
 */
export class KeepAlive {
  #pending = 0;
  #handle: NodeJS.Timeout | undefined;

  /** Holds the event loop until `work` settles; returns `work`. */
  during<T>(work: Promise<T>): Promise<T> {
    this.hold();
    work.then(this.release, this.release);
    return work;
  }

  /** Holds the event loop until a matching {@link release}. */
  hold(): void {
    if (this.#pending++ === 0) (this.#handle ??= setInterval(noop, LONGEST)).ref();
  }

  /** Ends one {@link hold}. */
  readonly release = (): void => {
    if (--this.#pending === 0) this.#handle?.unref();
  };

  /** Drops the handle (the client is closed); later work holds the loop again. */
  close(): void {
    clearInterval(this.#handle);
    this.#handle = undefined;
  }
}
