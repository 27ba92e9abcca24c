import type { CioEmulator } from '../../src/testing/index.js';

/** The four acts of the demo. */
export type PhaseName = 'healthy' | 'failing' | 'outage' | 'recovery';

/** Something done to the emulator at a point of a phase. */
export interface Step {
  /** When, from the start of the phase. */
  atMs: number;
  /** What a reader sees in the log. */
  note: string;
  apply(emu: CioEmulator): void | Promise<void>;
}

/** One act: how long it lasts and what happens to Customer.io meanwhile. */
export interface Phase {
  name: PhaseName;
  title: string;
  /** Length; for `recovery` the least time before it may end (once the queue is empty). */
  ms: number;
  steps: Step[];
}

/** The whole script plus the client settings that make it visible. */
export interface Story {
  phases: Phase[];
  /** Longest the recovery may take before the demo gives up waiting for an empty queue. */
  recoveryMaxMs: number;
  /** The breaker's half-open delay. */
  halfOpenAfterMs: number;
}

const burst = (atMs: number, status: number, forMs: number, body?: 'html'): Step => ({
  atMs,
  note: `${status}${body ? ' (an HTML error page from a proxy)' : ''} for ${forMs} ms`,
  apply: (emu) => void emu.fault({ status, forMs, ...(body ? { body } : {}) }),
});
/** Short runs of `times` failures every `everyMs`, for `forMs`: what retries are for. */
const flaky = (atMs: number, status: number, times: number, everyMs: number, forMs: number): Step => ({
  atMs,
  note: `${times} × ${status} every ${everyMs} ms, for ${forMs} ms`,
  apply: (emu) => {
    const until = performance.now() + forMs;
    emu.fault({ status, times });
    const timer = setInterval(() => {
      if (performance.now() + everyMs / 2 > until || !emu.isUp) clearInterval(timer);
      else emu.fault({ status, times });
    }, everyMs);
    timer.unref();
  },
});
const tooMany = (atMs: number, forMs: number): Step => ({
  atMs,
  note: `429 Too Many Requests with Retry-After: 1, for ${forMs} ms`,
  apply: (emu) => void emu.fault({ status: 429, retryAfter: 1, forMs }),
});
const hang = (atMs: number, forMs: number): Step => ({
  atMs,
  note: `requests hang (accepted, never answered), for ${forMs} ms`,
  apply: (emu) => void emu.fault({ hang: true, forMs }),
});

/** The script: healthy traffic, Customer.io failing, a full outage, recovery. `fast` shortens every act. */
export function story(fast: boolean): Story {
  const failing: Step[] = fast
    ? [flaky(0, 503, 3, 300, 900), burst(1000, 502, 400, 'html'), tooMany(2200, 600), hang(3000, 1000)]
    : [flaky(0, 503, 4, 500, 3000), burst(3000, 502, 800, 'html'), tooMany(5500, 1500), hang(7500, 2500)];
  return {
    halfOpenAfterMs: fast ? 1000 : 2000,
    recoveryMaxMs: fast ? 10_000 : 20_000,
    phases: [
      { name: 'healthy', title: 'Customer.io healthy', ms: fast ? 2000 : 8000, steps: [] },
      { name: 'failing', title: 'Customer.io failing: 5xx bursts, 429, hangs', ms: fast ? 4000 : 10_000, steps: failing },
      {
        name: 'outage',
        title: 'Customer.io down: connections refused',
        ms: fast ? 3000 : 10_000,
        steps: [
          {
            atMs: 0,
            note: 'emu.down(): nothing listens on its port',
            apply: async (emu) => {
              emu.clearFaults();
              await emu.down();
            },
          },
        ],
      },
      {
        name: 'recovery',
        title: 'Customer.io back: the queue drains',
        ms: fast ? 1500 : 4000,
        steps: [{ atMs: 0, note: 'emu.up(): listening again', apply: (emu) => emu.up() }],
      },
    ],
  };
}
