// Lookup tables for table-driven CRC-64/XZ, shared by the JS loop and the WebAssembly module.

/** The reflected ECMA-182 polynomial 0xC96C5795D7870F42 in 32-bit halves: JS bit operations are 32-bit. */
export const POLY_HI = 0xc96c5795
export const POLY_LO = 0xd7870f42

/**
 * Slicing tables as little-endian 64-bit entries: entry (k, b) is the CRC register after byte b followed by
 * k zero bytes, stored at [2 * (256k + b)] (low half) and [2 * (256k + b) + 1] (high half). The layout is
 * exactly i64 little-endian, so WebAssembly can load the same bytes with i64.load.
 */
export function makeSliceTables(slices: number): Uint32Array {
  const t = new Uint32Array(slices * 512)
  for (let b = 0; b < 256; b++) {
    let hi = 0
    let lo = b
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0
      hi = hi >>> 1
      if (carry) {
        hi = (hi ^ POLY_HI) >>> 0
        lo = (lo ^ POLY_LO) >>> 0
      }
    }
    t[2 * b] = lo
    t[2 * b + 1] = hi
  }
  for (let k = 1; k < slices; k++) {
    for (let b = 0; b < 256; b++) {
      const prev = 2 * (256 * (k - 1) + b)
      const lo = t[prev]!
      const hi = t[prev + 1]!
      const i = 2 * (lo & 0xff)
      t[2 * (256 * k + b)] = ((lo >>> 8) | (hi << 24)) ^ t[i]!
      t[2 * (256 * k + b) + 1] = (hi >>> 8) ^ t[i + 1]!
    }
  }
  return t
}
