// CRC-64 throughput per implementation and chunk size, and the cost of crc64Combine.
// Run: npx tsc -p . && node test/bench/crc64-bench.mjs [--mib=512]  (last line of output is JSON)
import { crc64, crc64Js, crc64Native, crc64Wasm, crc64Combine, crc64Implementation } from '../../dist/crc64/crc64.js'
import { createWasmCrc64 } from '../../dist/crc64/wasm.js'
import { randomFillSync } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'

// As in dtdl once its HTTP client loads (src/http/dispatcher.ts): WebAssembly stays on V8's baseline compiler, so the
// wasm rows show what dtdl's fallback really runs at.
setFlagsFromString('--liftoff-only')

const mibArg = process.argv.find((a) => a.startsWith('--mib='))
const TOTAL = (mibArg ? Number(mibArg.slice(6)) : 512) * 1024 * 1024
// 64 MiB of input, more than a last-level cache slice, so reads come from memory like fresh network data.
const DATA = randomFillSync(new Uint8Array(Math.min(TOTAL, 64 * 1024 * 1024)))

// The original byte-at-a-time loop, for reference.
const BT_HI = new Uint32Array(256)
const BT_LO = new Uint32Array(256)
for (let n = 0; n < 256; n++) {
  let hi = 0
  let lo = n
  for (let k = 0; k < 8; k++) {
    const c = lo & 1
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0
    hi >>>= 1
    if (c) {
      hi = (hi ^ 0xc96c5795) >>> 0
      lo = (lo ^ 0xd7870f42) >>> 0
    }
  }
  BT_HI[n] = hi
  BT_LO[n] = lo
}
function crc64Bytewise(data, crc = 0n) {
  const s = ~crc & 0xffffffffffffffffn
  let hi = Number(s >> 32n)
  let lo = Number(s & 0xffffffffn)
  for (let i = 0; i < data.length; i++) {
    const x = (lo ^ data[i]) & 0xff
    lo = ((lo >>> 8) | (hi << 24)) ^ BT_LO[x]
    hi = (hi >>> 8) ^ BT_HI[x]
  }
  return ~((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) & 0xffffffffffffffffn
}

// dtdl's own WebAssembly CRC (compiled on demand where the native addon is in use).
const wasm = crc64Wasm()
const impls = {
  bytewise: crc64Bytewise,
  'js-slice8': crc64Js,
  ...(wasm && {
    'wasm-slice8-256k': createWasmCrc64({ slices: 8 }),
    'wasm-slice16-64k': createWasmCrc64({ slices: 16, bufferBytes: 64 * 1024 }),
    'wasm-slice16-256k': wasm,
    'wasm-slice16-1m': createWasmCrc64({ slices: 16, bufferBytes: 1024 * 1024 }),
    'wasm-slice32-256k': createWasmCrc64({ slices: 32 }),
  }),
  ...(crc64Native && { 'native-clmul': crc64Native }),
  [`crc64 (${crc64Implementation})`]: crc64,
}

function run(fn, chunk, total) {
  let crc = 0n
  let done = 0
  while (done < total) {
    for (let off = 0; off + chunk <= DATA.length && done < total; off += chunk, done += chunk) {
      crc = fn(DATA.subarray(off, off + chunk), crc)
    }
  }
  return { crc, done }
}

const results = []
const expected = {}
for (const [name, fn] of Object.entries(impls)) {
  for (const chunk of [64 * 1024, 16 * 1024 * 1024]) {
    const total = name === 'bytewise' ? Math.min(TOTAL, 128 * 1024 * 1024) : TOTAL
    run(fn, chunk, 8 * 1024 * 1024) // warm-up: lets V8 tier up the JS loop and the wasm function
    const t0 = process.hrtime.bigint()
    const { crc, done } = run(fn, chunk, total)
    const secs = Number(process.hrtime.bigint() - t0) / 1e9
    const gbps = done / secs / 1e9
    const key = `${chunk}:${done}`
    if (expected[key] === undefined) expected[key] = crc
    const ok = expected[key] === crc
    results.push({ impl: name, chunkBytes: chunk, bytes: done, seconds: +secs.toFixed(3), gbps: +gbps.toFixed(3), ok })
    console.log(
      `${name.padEnd(20)} chunk ${String(chunk / 1024).padStart(6)} KiB  ${gbps.toFixed(2).padStart(6)} GB/s  ${ok ? '' : 'MISMATCH'}`,
    )
  }
}

// The original per-call matrix build with BigInt, for reference.
function combineBigint(crcA, crcB, lengthB) {
  const times = (mat, vec) => {
    let s = 0n
    for (let i = 0; vec; vec >>= 1n, i++) if (vec & 1n) s ^= mat[i]
    return s
  }
  const square = (sq, mat) => {
    for (let n = 0; n < 64; n++) sq[n] = times(mat, mat[n])
  }
  const even = new Array(64)
  const odd = new Array(64)
  odd[0] = 0xc96c5795d7870f42n
  for (let n = 1, row = 1n; n < 64; n++, row <<= 1n) odd[n] = row
  square(even, odd)
  square(odd, even)
  let c = crcA
  let len = BigInt(lengthB)
  do {
    square(even, odd)
    if (len & 1n) c = times(even, c)
    len >>= 1n
    if (!len) break
    square(odd, even)
    if (len & 1n) c = times(odd, c)
    len >>= 1n
  } while (len)
  return c ^ crcB
}

const combines = []
for (const [name, fn, calls] of [
  ['crc64Combine', crc64Combine, 200_000],
  ['combine-bigint-matrix', combineBigint, 2_000],
]) {
  for (const lengthB of [64 * 1024, 16 * 1024 * 1024, 5e9]) {
    let acc = 0x0123456789abcdefn
    for (let i = 0; i < Math.min(calls, 1000); i++) acc = fn(acc, 0xfedcba9876543210n, lengthB)
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) acc = fn(acc, 0xfedcba9876543210n, lengthB)
    const us = Number(process.hrtime.bigint() - t0) / 1e3 / calls
    combines.push({ impl: name, lengthB, usPerCall: +us.toFixed(3) })
    console.log(`${name.padEnd(22)} lengthB ${String(lengthB).padStart(10)}  ${us.toFixed(3).padStart(8)} µs/call`)
  }
}

console.log(
  JSON.stringify({
    bench: 'crc64',
    node: process.version,
    implementation: crc64Implementation,
    throughput: results,
    combine: combines,
  }),
)
