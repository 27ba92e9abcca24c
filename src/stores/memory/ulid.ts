/**
 * ULIDs packed into four 32-bit words (16 bytes instead of a 26-character string, which V8 holds in
 * 48 bytes or more) and back. Only the canonical spelling is packed (uppercase Crockford base32,
 * first character 0-7), so unpacking gives back exactly the text that was packed; anything else
 * (lowercase, ids that are not ULIDs) is left to the caller to keep as a string.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_LENGTH = 26;

/** Character code → 5-bit value, or -1 for characters outside the canonical alphabet. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** Character codes of the alphabet, by value. */
const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));

/**
 * Writes the 128 bits of `id` to `out[at..at+3]` (big-endian words) and returns true, or returns
 * false (writing nothing) when `id` is not a canonical ULID.
 */
export function packUlid(id: string, out: Uint32Array, at: number): boolean {
  if (id.length !== ULID_LENGTH) return false;
  const first = id.charCodeAt(0);
  if (first < 48 || first > 55) return false; // '0'..'7': the top 2 of the 130 bits are zero
  for (let i = 1; i < ULID_LENGTH; i++) {
    const code = id.charCodeAt(i);
    if (code >= 128 || VALUE[code]! < 0) return false;
  }
  // 3 bits from the first character, then 5 from each of the 25 others: 128 bits, gathered in
  // `acc` and stored each time 32 have gathered (`bits` of them wait in its low bits).
  let bits = 3;
  let acc = first - 48;
  let w = at;
  for (let i = 1; i < ULID_LENGTH; i++) {
    const v = VALUE[id.charCodeAt(i)]!;
    if (bits + 5 <= 32) {
      acc = (acc << 5) | v;
      bits += 5;
    } else {
      const spill = bits + 5 - 32; // bits of `v` that belong to the next word
      out[w++] = (acc << (5 - spill)) | (v >>> spill);
      acc = v & ((1 << spill) - 1);
      bits = spill;
    }
    if (bits === 32) {
      out[w++] = acc;
      acc = 0;
      bits = 0;
    }
  }
  return true;
}

/** Scratch space for {@link unpackUlid}'s character codes (a plain array: `apply` reads it fastest). */
const chars: number[] = new Array<number>(ULID_LENGTH).fill(0);

/** The `count` (<= 5) bits starting `start` bits into the big-endian words at `words[at..]`. */
function bitsAt(words: Uint32Array, at: number, start: number, count: number): number {
  const w = at + (start >>> 5);
  const end = (start & 31) + count;
  if (end <= 32) return (words[w]! >>> (32 - end)) & ((1 << count) - 1);
  const low = end - 32; // bits taken from the next word
  return ((words[w]! << low) | (words[w + 1]! >>> (32 - low))) & ((1 << count) - 1);
}

/** The ULID text of the four words at `words[at..at+3]` (the reverse of {@link packUlid}). */
export function unpackUlid(words: Uint32Array, at: number): string {
  chars[0] = CODES[bitsAt(words, at, 0, 3)]!;
  for (let i = 1; i < ULID_LENGTH; i++) chars[i] = CODES[bitsAt(words, at, 3 + 5 * (i - 1), 5)]!;
  return String.fromCharCode.apply(null, chars);
}
