// CRC-64/ECMA-182 as OSS reports it (x-oss-hash-crc64ecma): the reflected "CRC-64/XZ" variant, plus the
// combine operation that joins the CRCs of adjacent pieces, so parallel segments never re-read the file.

// Reflected polynomial 0xC96C5795D7870F42, split into 32-bit halves: JS bit operations are 32-bit, and
// BigInt per byte would be far too slow.
const POLY_HI = 0xc96c5795
const POLY_LO = 0xd7870f42

const TABLE_HI = new Uint32Array(256)
const TABLE_LO = new Uint32Array(256)
for (let n = 0; n < 256; n++) {
  let hi = 0
  let lo = n
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0
    hi = hi >>> 1
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0
      lo = (lo ^ POLY_LO) >>> 0
    }
  }
  TABLE_HI[n] = hi
  TABLE_LO[n] = lo
}

/** Continues a CRC-64 over `data`; `crc` is the CRC of everything before it (0n for a start). */
export function crc64(data: Uint8Array, crc: bigint = 0n): bigint {
  const start = ~crc & 0xffffffffffffffffn
  let hi = Number(start >> 32n)
  let lo = Number(start & 0xffffffffn)
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ data[i]!) & 0xff
    lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx]!
    hi = (hi >>> 8) ^ TABLE_HI[idx]!
  }
  return ~((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) & 0xffffffffffffffffn
}

/** An incremental CRC-64 over a stream of chunks. */
export class Crc64 {
  #value = 0n
  #length = 0
  update(data: Uint8Array): this {
    this.#value = crc64(data, this.#value)
    this.#length += data.length
    return this
  }
  get value(): bigint {
    return this.#value
  }
  get length(): number {
    return this.#length
  }
}

// GF(2) matrix helpers for crc64Combine, after zlib's crc32_combine; BigInt is fine here: it runs once
// per segment, not per byte.
const MASK = 0xffffffffffffffffn
function gf2Times(mat: bigint[], vec: bigint): bigint {
  let sum = 0n
  let i = 0
  while (vec) {
    if (vec & 1n) sum ^= mat[i]!
    vec >>= 1n
    i++
  }
  return sum
}
function gf2Square(square: bigint[], mat: bigint[]): void {
  for (let n = 0; n < 64; n++) square[n] = gf2Times(mat, mat[n]!)
}

/** The CRC of A followed by B, from crc(A), crc(B) and the length of B. */
export function crc64Combine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
  if (lengthB <= 0) return crcA
  const even: bigint[] = new Array(64)
  const odd: bigint[] = new Array(64)
  odd[0] = 0xc96c5795d7870f42n
  let row = 1n
  for (let n = 1; n < 64; n++) {
    odd[n] = row
    row <<= 1n
  }
  gf2Square(even, odd) // two zero bits
  gf2Square(odd, even) // four zero bits
  let crc1 = crcA
  let len = BigInt(lengthB)
  do {
    gf2Square(even, odd)
    if (len & 1n) crc1 = gf2Times(even, crc1)
    len >>= 1n
    if (!len) break
    gf2Square(odd, even)
    if (len & 1n) crc1 = gf2Times(odd, crc1)
    len >>= 1n
  } while (len)
  return (crc1 ^ crcB) & MASK
}
