/**
 * XXH3-64 (xxHash v0.8, the hash behind Rust's `xxhash_rust::xxh3::xxh3_64`) in plain
 * TypeScript with BigInt: no WASM to compile at start-up. A transcription of the scalar
 * reference code in `xxhash.h`, one function per length path; every 64-bit result is
 * wrapped with `u64` (BigInt.asUintN(64, …)) where C would wrap silently.
 */

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

const PRIME32_1 = 0x9e3779b1n;
const PRIME32_2 = 0x85ebca77n;
const PRIME32_3 = 0xc2b2ae3dn;
const PRIME64_1 = 0x9e3779b185ebca87n;
const PRIME64_2 = 0xc2b2ae3d27d4eb4fn;
const PRIME64_3 = 0x165667b19e3779f9n;
const PRIME64_4 = 0x85ebca77c2b2ae63n;
const PRIME64_5 = 0x27d4eb2f165667c5n;
const PRIME_MX1 = 0x165667919e3779f9n;
const PRIME_MX2 = 0x9fb21c651e98df25n;

/** kXXH3_kSecret, the 192-byte default secret. */
const K_SECRET = Uint8Array.from(
  (
    'b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f' +
    'cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c' +
    '3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8' +
    'a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364' +
    'eac5ac8334d3ebc3c581a0fffa1363eb170ddd51b7f0da49d316552629d4689e' +
    '2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e'
  ).match(/../g) ?? [],
  (hex) => parseInt(hex, 16),
);
const SECRET_SIZE = 192;
/** XXH3_SECRET_SIZE_MIN: the 129–240 path reads its last lane relative to this. */
const SECRET_SIZE_MIN = 136;
const STRIPE_LEN = 64;
const SECRET_CONSUME_RATE = 8;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
const r64 = (v: DataView, at: number): bigint => v.getBigUint64(at, true);
const r32 = (v: DataView, at: number): bigint => BigInt(v.getUint32(at, true));

/**
 * A secret as the little-endian 64-bit word at every byte offset (`s[i]` = readLE64(secret + i)):
 * the reads are at odd offsets too (3, 7, 11, 119), and reading each word once at load saves
 * BigInt allocations on every hash, which dominate the cost of a cold start.
 */
type Secret = readonly bigint[];
function secretWords(bytes: Uint8Array): Secret {
  const v = view(bytes);
  return Array.from({ length: bytes.length - 7 }, (_, i) => r64(v, i));
}
const K_WORDS = secretWords(K_SECRET);
/** The low 32 bits of a secret word: readLE32(secret + i). */
const lo32 = (w: bigint): bigint => w & 0xffffffffn;

const bswap32 = (n: number): number =>
  (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
const bswap64 = (x: bigint): bigint =>
  (BigInt(bswap32(Number(x & 0xffffffffn))) << 32n) | BigInt(bswap32(Number(x >> 32n)));
const rotl64 = (x: bigint, r: bigint): bigint => u64((x << r) | (x >> (64n - r)));

/** Low 64 bits of the 128-bit product, xor-ed with its high 64 bits. */
function mul128Fold64(a: bigint, b: bigint): bigint {
  const p = a * b;
  return u64(p ^ (p >> 64n));
}

function xxh64Avalanche(h: bigint): bigint {
  h = u64((h ^ (h >> 33n)) * PRIME64_2);
  h = u64((h ^ (h >> 29n)) * PRIME64_3);
  return h ^ (h >> 32n);
}

function xxh3Avalanche(h: bigint): bigint {
  h = u64((h ^ (h >> 37n)) * PRIME_MX1);
  return h ^ (h >> 32n);
}

function rrmxmx(h: bigint, len: number): bigint {
  h ^= rotl64(h, 49n) ^ rotl64(h, 24n);
  h = u64(h * PRIME_MX2);
  h = u64((h ^ ((h >> 35n) + BigInt(len))) * PRIME_MX2);
  return h ^ (h >> 28n);
}

/** 1–3 bytes: the first, middle and last byte plus the length, packed into 32 bits. */
function len1to3(input: Uint8Array, s: Secret, seed: bigint): bigint {
  const len = input.length;
  const c1 = input[0]!;
  const c2 = input[len >> 1]!;
  const c3 = input[len - 1]!;
  const combined = BigInt(((c1 << 16) | (c2 << 24) | c3 | (len << 8)) >>> 0);
  const bitflip = u64((lo32(s[0]!) ^ lo32(s[4]!)) + seed);
  return xxh64Avalanche(combined ^ bitflip);
}

/** 4–8 bytes: the first and last 4 bytes (overlapping when len < 8) as one 64-bit word. */
function len4to8(input: DataView, s: Secret, seed: bigint): bigint {
  const len = input.byteLength;
  seed ^= BigInt(bswap32(Number(seed & 0xffffffffn))) << 32n;
  const lo = r32(input, 0);
  const hi = r32(input, len - 4);
  const bitflip = u64((s[8]! ^ s[16]!) - seed);
  return rrmxmx((hi + (lo << 32n)) ^ bitflip, len);
}

/** 9–16 bytes: the first and last 8 bytes (overlapping when len < 16). */
function len9to16(input: DataView, s: Secret, seed: bigint): bigint {
  const len = input.byteLength;
  const bitflip1 = u64((s[24]! ^ s[32]!) + seed);
  const bitflip2 = u64((s[40]! ^ s[48]!) - seed);
  const lo = r64(input, 0) ^ bitflip1;
  const hi = r64(input, len - 8) ^ bitflip2;
  return xxh3Avalanche(u64(BigInt(len) + bswap64(lo) + hi + mul128Fold64(lo, hi)));
}

/** XXH3_mix16B: 16 input bytes at `at` against 16 secret bytes at `sAt`. */
function mix16B(input: DataView, at: number, s: Secret, sAt: number, seed: bigint): bigint {
  // Same result either way; skipping `± 0n` saves four BigInt allocations on the usual path.
  if (seed === 0n) return mul128Fold64(r64(input, at) ^ s[sAt]!, r64(input, at + 8) ^ s[sAt + 8]!);
  return mul128Fold64(r64(input, at) ^ u64(s[sAt]! + seed), r64(input, at + 8) ^ u64(s[sAt + 8]! - seed));
}

/** 17–128 bytes: pairs of 16-byte lanes from both ends, working inwards (1 to 4 pairs). */
function len17to128(input: DataView, s: Secret, seed: bigint): bigint {
  const len = input.byteLength;
  let acc = u64(BigInt(len) * PRIME64_1);
  if (len > 32) {
    if (len > 64) {
      if (len > 96) {
        acc += mix16B(input, 48, s, 96, seed) + mix16B(input, len - 64, s, 112, seed);
      }
      acc += mix16B(input, 32, s, 64, seed) + mix16B(input, len - 48, s, 80, seed);
    }
    acc += mix16B(input, 16, s, 32, seed) + mix16B(input, len - 32, s, 48, seed);
  }
  acc += mix16B(input, 0, s, 0, seed) + mix16B(input, len - 16, s, 16, seed);
  return xxh3Avalanche(u64(acc));
}

/** 129–240 bytes: 8 lanes, an avalanche, the remaining whole lanes (secret offset 3), the last 16 bytes. */
function len129to240(input: DataView, s: Secret, seed: bigint): bigint {
  const len = input.byteLength;
  let acc = u64(BigInt(len) * PRIME64_1);
  for (let i = 0; i < 8; i++) acc += mix16B(input, 16 * i, s, 16 * i, seed);
  acc = xxh3Avalanche(u64(acc));
  const rounds = Math.floor(len / 16);
  for (let i = 8; i < rounds; i++) acc += mix16B(input, 16 * i, s, 16 * (i - 8) + 3, seed);
  acc += mix16B(input, len - 16, s, SECRET_SIZE_MIN - 17, seed);
  return xxh3Avalanche(u64(acc));
}

/** XXH3_accumulate_512: one 64-byte stripe into the 8 accumulators. */
function accumulate512(acc: bigint[], input: DataView, at: number, s: Secret, sAt: number): void {
  for (let i = 0; i < 8; i++) {
    const data = r64(input, at + 8 * i);
    const key = data ^ s[sAt + 8 * i]!;
    acc[i ^ 1] = u64(acc[i ^ 1]! + data);
    acc[i] = u64(acc[i]! + lo32(key) * (key >> 32n));
  }
}

/** XXH3_scrambleAcc: run after every full block, with the last 64 secret bytes. */
function scramble(acc: bigint[], s: Secret, sAt: number): void {
  for (let i = 0; i < 8; i++) {
    const a = acc[i]!;
    acc[i] = u64((a ^ (a >> 47n) ^ s[sAt + 8 * i]!) * PRIME32_1);
  }
}

/**
 * More than 240 bytes: blocks of 16 stripes (1024 bytes with the 192-byte secret), each
 * followed by a scramble; then the whole stripes of the last block, then the last 64 bytes
 * (always, overlapping the previous stripe), then the accumulators merged into one word.
 */
function hashLong(input: DataView, s: Secret): bigint {
  const len = input.byteLength;
  const acc = [PRIME32_3, PRIME64_1, PRIME64_2, PRIME64_3, PRIME64_4, PRIME32_2, PRIME64_5, PRIME32_1];
  const stripesPerBlock = (SECRET_SIZE - STRIPE_LEN) / SECRET_CONSUME_RATE;
  const blockLen = STRIPE_LEN * stripesPerBlock;
  const blocks = Math.floor((len - 1) / blockLen);
  for (let b = 0; b < blocks; b++) {
    for (let n = 0; n < stripesPerBlock; n++) {
      accumulate512(acc, input, b * blockLen + n * STRIPE_LEN, s, n * SECRET_CONSUME_RATE);
    }
    scramble(acc, s, SECRET_SIZE - STRIPE_LEN);
  }
  const stripes = Math.floor((len - 1 - blocks * blockLen) / STRIPE_LEN);
  for (let n = 0; n < stripes; n++) {
    accumulate512(acc, input, blocks * blockLen + n * STRIPE_LEN, s, n * SECRET_CONSUME_RATE);
  }
  accumulate512(acc, input, len - STRIPE_LEN, s, SECRET_SIZE - STRIPE_LEN - 7); // XXH_SECRET_LASTACC_START
  let result = u64(BigInt(len) * PRIME64_1);
  for (let i = 0; i < 4; i++) {
    const sAt = 11 + 16 * i; // XXH_SECRET_MERGEACCS_START
    result += mul128Fold64(acc[2 * i]! ^ s[sAt]!, acc[2 * i + 1]! ^ s[sAt + 8]!);
  }
  return xxh3Avalanche(u64(result));
}

/** XXH3_initCustomSecret: the default secret with the seed added to / subtracted from alternate words. */
function secretForSeed(seed: bigint): Secret {
  const out = new Uint8Array(SECRET_SIZE);
  const v = view(out);
  for (let i = 0; i < SECRET_SIZE; i += 16) {
    v.setBigUint64(i, u64(K_WORDS[i]! + seed), true);
    v.setBigUint64(i + 8, u64(K_WORDS[i + 8]! - seed), true);
  }
  return secretWords(out);
}

/** XXH3-64 of `input` with a 64-bit `seed` (default 0), as an unsigned 64-bit bigint. */
export function xxh3(input: Uint8Array, seed: bigint = 0n): bigint {
  seed = u64(seed);
  const len = input.length;
  const s = K_WORDS;
  // 0 bytes: the seed and 16 secret bytes alone.
  if (len === 0) return xxh64Avalanche(seed ^ s[56]! ^ s[64]!);
  if (len <= 3) return len1to3(input, s, seed);
  const v = view(input);
  if (len <= 8) return len4to8(v, s, seed);
  if (len <= 16) return len9to16(v, s, seed);
  if (len <= 128) return len17to128(v, s, seed);
  if (len <= 240) return len129to240(v, s, seed);
  // > 240 bytes: the seed goes into a derived secret instead (seed 0 keeps the default one).
  return hashLong(v, seed === 0n ? s : secretForSeed(seed));
}

/** XXH3-64 as 16 lower-case hex digits, most significant first (Rust's `format!("{:016x}")`). */
export function xxh3Hex(input: Uint8Array, seed: bigint = 0n): string {
  return xxh3(input, seed).toString(16).padStart(16, '0');
}
