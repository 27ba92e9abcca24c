/**
 * Root hooks for the whole suite: after every test file has run, no log line and no error
 * reported by any client made through the test harness may contain a credential.
 */
import { ERROR_TEXTS, LOG_LINES, SECRETS } from './support/harness.js';

export const mochaHooks = {
  afterAll(): void {
    const leaks: string[] = [];
    for (const [kind, texts] of [['log line', LOG_LINES], ['error', ERROR_TEXTS]] as const) {
      for (const text of texts) {
        if (SECRETS.some((s) => text.includes(s))) leaks.push(`${kind}: ${text.slice(0, 200)}`);
      }
    }
    if (leaks.length > 0) throw new Error(`credentials leaked into ${leaks.length} log lines/errors:\n${leaks.join('\n')}`);
    if (LOG_LINES.length === 0 || ERROR_TEXTS.length === 0) {
      throw new Error('the credential check saw no log lines or no errors: the harness is not capturing them');
    }
  },
};
