// CRC-64/XZ in WebAssembly: a slicing-by-N loop with i64 table entries, assembled to bytes here because
// the project has no .wat toolchain and a few hundred bytes of opcodes are easier to review than base64.

import { makeSliceTables } from './tables.js'

/** A CRC-64 continuation function, same contract as `crc64(data, crc)`. */
export type Crc64Fn = (data: Uint8Array, crc?: bigint) => bigint

export interface WasmCrc64Options {
  /** Bytes consumed per loop iteration (table size 2 KiB each): 8, 16 or 32. */
  slices?: 8 | 16 | 32
  /** Size of the staging area in wasm memory that input is copied into, in bytes. */
  bufferBytes?: number
}

// Opcodes used below (WebAssembly core spec, binary format).
const enum Op {
  Block = 0x02,
  Loop = 0x03,
  End = 0x0b,
  Br = 0x0c,
  BrIf = 0x0d,
  LocalGet = 0x20,
  LocalSet = 0x21,
  LocalTee = 0x22,
  I64Load = 0x29,
  I32Load8U = 0x2d,
  I64Load8U = 0x31,
  I32Const = 0x41,
  I64Const = 0x42,
  I32LtU = 0x49,
  I32Eqz = 0x45,
  I32Add = 0x6a,
  I32Sub = 0x6b,
  I32And = 0x71,
  I32Shl = 0x74,
  I64Xor = 0x85,
  I64ShrU = 0x88,
  I32WrapI64 = 0xa7,
}
const VOID = 0x40
const I32 = 0x7f
const I64 = 0x7e

function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n) byte |= 0x80
    out.push(byte)
  } while (n)
  return out
}
function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const byte = n & 0x7f
    n >>= 7
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte]
    out.push(byte | 0x80)
  }
}
function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body]
}
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()]
}
function name(s: string): number[] {
  return vec([...s].map((c) => [c.charCodeAt(0)]))
}

/**
 * The module: one memory (tables at 0, staging buffer after them) and
 * `crc(crc: i64, ptr: i32, len: i32) -> i64`, which continues a finished CRC like `crc64()` does.
 */
export function assembleCrc64Wasm(slices: number, pages: number): Uint8Array<ArrayBuffer> {
  // Locals: 0 crc, 1 ptr, 2 len (params), 3 an i64 temporary for the tail loop.
  const CRC = 0,
    PTR = 1,
    LEN = 2,
    TMP = 3
  const code: number[] = []
  const emit = (...bytes: number[]): void => {
    code.push(...bytes)
  }
  const lookupRegister = (local: number, byteIndex: number, table: number): void => {
    // Byte k of the register, pre-scaled by 8 (entry size): (reg >> (8k - 3)) & 0x7f8.
    emit(Op.LocalGet, local)
    if (byteIndex === 0) emit(Op.I32WrapI64, Op.I32Const, 3, Op.I32Shl)
    else emit(Op.I64Const, ...sleb(8 * byteIndex - 3), Op.I64ShrU, Op.I32WrapI64)
    emit(Op.I32Const, ...sleb(0x7f8), Op.I32And, Op.I64Load, 3, ...uleb(table * 2048))
  }
  const lookupInput = (offset: number, table: number): void => {
    // Input bytes past the first word are not mixed with the register: load them directly, which
    // measured ~15% faster than shifting them out of an i64.
    emit(Op.LocalGet, PTR, Op.I32Load8U, 0, ...uleb(offset), Op.I32Const, 3, Op.I32Shl)
    emit(Op.I64Load, 3, ...uleb(table * 2048))
  }

  emit(Op.LocalGet, CRC, Op.I64Const, ...sleb(-1), Op.I64Xor, Op.LocalSet, CRC)
  // Bulk loop: `slices` bytes per iteration.
  emit(Op.Block, VOID, Op.Loop, VOID)
  emit(Op.LocalGet, LEN, Op.I32Const, ...sleb(slices), Op.I32LtU, Op.BrIf, 1)
  emit(Op.LocalGet, CRC, Op.LocalGet, PTR, Op.I64Load, 3, 0, Op.I64Xor, Op.LocalSet, CRC)
  for (let k = 0; k < 8; k++) {
    lookupRegister(CRC, k, slices - 1 - k)
    if (k > 0) emit(Op.I64Xor)
  }
  for (let k = 8; k < slices; k++) {
    lookupInput(k, slices - 1 - k)
    emit(Op.I64Xor)
  }
  emit(Op.LocalSet, CRC)
  emit(Op.LocalGet, PTR, Op.I32Const, ...sleb(slices), Op.I32Add, Op.LocalSet, PTR)
  emit(Op.LocalGet, LEN, Op.I32Const, ...sleb(slices), Op.I32Sub, Op.LocalSet, LEN)
  emit(Op.Br, 0, Op.End, Op.End)
  // Tail: one byte at a time with table 0.
  emit(Op.Block, VOID, Op.Loop, VOID)
  emit(Op.LocalGet, LEN, Op.I32Eqz, Op.BrIf, 1)
  emit(Op.LocalGet, CRC, Op.I64Const, 8, Op.I64ShrU)
  emit(Op.LocalGet, CRC, Op.LocalGet, PTR, Op.I64Load8U, 0, 0, Op.I64Xor, Op.LocalSet, TMP)
  lookupRegister(TMP, 0, 0)
  emit(Op.I64Xor, Op.LocalSet, CRC)
  emit(Op.LocalGet, PTR, Op.I32Const, 1, Op.I32Add, Op.LocalSet, PTR)
  emit(Op.LocalGet, LEN, Op.I32Const, 1, Op.I32Sub, Op.LocalSet, LEN)
  emit(Op.Br, 0, Op.End, Op.End)
  emit(Op.LocalGet, CRC, Op.I64Const, ...sleb(-1), Op.I64Xor, Op.End)

  const locals = vec([[1, I64]])
  const body = [...locals, ...code]
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([[0x60, ...vec([[I64], [I32], [I32]]), ...vec([[I64]])]])), // type: (i64 i32 i32) -> i64
    ...section(3, vec([[0]])), // function 0 has type 0
    ...section(5, vec([[0x00, ...uleb(pages)]])), // memory: min pages, no max
    ...section(
      7,
      vec([
        [...name('mem'), 0x02, 0],
        [...name('crc'), 0x00, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ])
}

/**
 * Instantiates the WebAssembly CRC, or returns undefined where WebAssembly is missing or refused
 * (e.g. `node --jitless`), so callers fall back to JS.
 */
export function createWasmCrc64(options: WasmCrc64Options = {}): Crc64Fn | undefined {
  const slices = options.slices ?? 16
  const bufferBytes = options.bufferBytes ?? 256 * 1024
  const tableBytes = slices * 2048
  const pages = Math.ceil((tableBytes + bufferBytes) / 65536)
  let instance: WebAssembly.Instance
  try {
    if (typeof WebAssembly === 'undefined') return undefined
    instance = new WebAssembly.Instance(new WebAssembly.Module(assembleCrc64Wasm(slices, pages)))
  } catch {
    return undefined
  }
  const memory = instance.exports.mem as WebAssembly.Memory
  const run = instance.exports.crc as (crc: bigint, ptr: number, len: number) => bigint
  new Uint32Array(memory.buffer, 0, slices * 512).set(makeSliceTables(slices))
  const heap = new Uint8Array(memory.buffer, tableBytes, bufferBytes)
  return (data: Uint8Array, crc = 0n): bigint => {
    for (let off = 0; off < data.length; off += bufferBytes) {
      const piece = data.subarray(off, off + bufferBytes)
      heap.set(piece)
      crc = run(crc, tableBytes, piece.length)
    }
    return BigInt.asUintN(64, crc)
  }
}
