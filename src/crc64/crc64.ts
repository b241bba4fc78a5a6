// CRC-64/ECMA-182 as OSS reports it (x-oss-hash-crc64ecma): the reflected "CRC-64/XZ" variant, plus the
// combine operation that joins the CRCs of adjacent pieces, so parallel segments never re-read the file.

import { makeSliceTables, POLY_HI, POLY_LO } from './tables.js'
import { createWasmCrc64, type Crc64Fn } from './wasm.js'
import { loadNativeCrc64 } from './native.js'

const MASK = 0xffffffffffffffffn

// Slicing-by-8 tables, interleaved (low, high) so both halves of an entry share a cache line.
const T = makeSliceTables(8)
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** The pure JS CRC-64 (slicing-by-8 over 32-bit halves); always available. */
export function crc64Js(data: Uint8Array, crc: bigint = 0n): bigint {
  const start = ~crc & MASK
  let hi = Number(start >> 32n)
  let lo = Number(start & 0xffffffffn)
  const n = data.length
  let i = 0
  if (LITTLE_ENDIAN && n >= 32) {
    // Bytes up to a 4-byte boundary, then whole 8-byte steps through an aligned Uint32Array view.
    const head = (4 - (data.byteOffset & 3)) & 3
    for (; i < head; i++) {
      const x = 2 * ((lo ^ data[i]!) & 0xff)
      lo = ((lo >>> 8) | (hi << 24)) ^ T[x]!
      hi = (hi >>> 8) ^ T[x + 1]!
    }
    const pairs = (n - i) >>> 3
    const words = new Uint32Array(data.buffer, data.byteOffset + i, pairs * 2)
    for (let w = 0; w < words.length; w += 2) {
      lo ^= words[w]!
      hi ^= words[w + 1]!
      const a = 3584 + ((lo << 1) & 0x1fe)
      const b = 3072 + ((lo >>> 7) & 0x1fe)
      const c = 2560 + ((lo >>> 15) & 0x1fe)
      const d = 2048 + ((lo >>> 23) & 0x1fe)
      const e = 1536 + ((hi << 1) & 0x1fe)
      const f = 1024 + ((hi >>> 7) & 0x1fe)
      const g = 512 + ((hi >>> 15) & 0x1fe)
      const h = (hi >>> 23) & 0x1fe
      lo = T[a]! ^ T[b]! ^ T[c]! ^ T[d]! ^ T[e]! ^ T[f]! ^ T[g]! ^ T[h]!
      hi = T[a + 1]! ^ T[b + 1]! ^ T[c + 1]! ^ T[d + 1]! ^ T[e + 1]! ^ T[f + 1]! ^ T[g + 1]! ^ T[h + 1]!
    }
    i += pairs * 8
  }
  for (; i < n; i++) {
    const x = 2 * ((lo ^ data[i]!) & 0xff)
    lo = ((lo >>> 8) | (hi << 24)) ^ T[x]!
    hi = (hi >>> 8) ^ T[x + 1]!
  }
  return ~((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) & MASK
}

// Below this size the call into wasm or the addon (and wasm's copy) costs more than the JS loop saves.
const ACCELERATED_MIN_BYTES = 256
const native = loadNativeCrc64()
// WebAssembly is compiled only where the addon is missing: it costs start-up time the addon makes moot.
const wasm = native ? undefined : createWasmCrc64()

/** The native CRC-64 (carry-less multiplication), or undefined where the addon is not built or usable. */
export const crc64Native: Crc64Fn | undefined = native

/** The WebAssembly CRC-64 (slicing-by-16, i64 tables), or undefined where WebAssembly is unavailable. */
export function crc64Wasm(): Crc64Fn | undefined {
  return wasm ?? createWasmCrc64()
}

const accelerated = native ?? wasm

/** Which implementation `crc64()` uses for inputs of more than a few hundred bytes. */
export const crc64Implementation: 'native' | 'wasm' | 'js' = native ? 'native' : wasm ? 'wasm' : 'js'

/** Continues a CRC-64 over `data`; `crc` is the CRC of everything before it (0n for a start). */
export function crc64(data: Uint8Array, crc: bigint = 0n): bigint {
  return accelerated && data.length >= ACCELERATED_MIN_BYTES ? accelerated(data, crc) : crc64Js(data, crc)
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

// crc64Combine after zlib 1.2.12+: crc(A·B) = crcA · x^(8·lenB) mod P  ⊕  crcB. Polynomials are reflected
// 64-bit values (bit 63 is x^0) held as 32-bit halves; X2N holds x^(2^k) mod P for k = 0..63, so a length
// up to 2^53 bytes (2^56 bits) costs one modular multiply per set bit.
let prodHi = 0
let prodLo = 0
/** (aHi:aLo) · (bHi:bLo) mod P into prodHi:prodLo. */
function multModP(aHi: number, aLo: number, bHi: number, bLo: number): void {
  let pHi = 0
  let pLo = 0
  for (let bit = 63; bit >= 0; bit--) {
    // Walk a from x^0 (bit 63) upward while b is multiplied by x each step.
    const set = bit >= 32 ? (aHi >>> (bit - 32)) & 1 : (aLo >>> bit) & 1
    if (set) {
      pHi ^= bHi
      pLo ^= bLo
    }
    const carry = bLo & 1
    bLo = (bLo >>> 1) | (bHi << 31)
    bHi = bHi >>> 1
    if (carry) {
      bHi ^= POLY_HI
      bLo ^= POLY_LO
    }
  }
  prodHi = pHi >>> 0
  prodLo = pLo >>> 0
}
const X2N_HI = new Uint32Array(64)
const X2N_LO = new Uint32Array(64)
{
  let hi = 0x40000000 // x^1
  let lo = 0
  for (let k = 0; k < 64; k++) {
    X2N_HI[k] = hi
    X2N_LO[k] = lo
    multModP(hi, lo, hi, lo)
    hi = prodHi
    lo = prodLo
  }
}

/** The CRC of A followed by B, from crc(A), crc(B) and the byte length of B (any safe integer). */
export function crc64Combine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
  if (!(lengthB > 0)) return crcA // empty B (its CRC is 0)
  // x^(8·lengthB) mod P, from the bits of lengthB (split so lengths past 2^32 work with 32-bit ops).
  let xHi = 0x80000000 // x^0
  let xLo = 0
  let k = 3
  for (let rest = Math.floor(lengthB); rest > 0; rest = Math.floor(rest / 2), k++) {
    if (rest % 2) {
      multModP(X2N_HI[k]!, X2N_LO[k]!, xHi, xLo)
      xHi = prodHi
      xLo = prodLo
    }
  }
  multModP(xHi, xLo, Number((crcA >> 32n) & 0xffffffffn), Number(crcA & 0xffffffffn))
  return ((BigInt(prodHi) << 32n) | BigInt(prodLo)) ^ (crcB & MASK)
}
