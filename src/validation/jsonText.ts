/**
 * `JSON.stringify(value)`, or `undefined` when it throws or gives nothing. Never throws: the rules
 * serialise a value that already passed `checkSerialisable`, so it fails only when a caller's getter
 * or `toJSON()` answers differently the second time it runs.
 */
export function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value) as string | undefined;
  } catch {
    return undefined;
  }
}

/** The reason given when {@link jsonText} fails on a value that passed `checkSerialisable`. */
export const READ_AGAIN_FAILED = 'could not be serialised when read again (a getter or toJSON() threw or changed its answer)';
