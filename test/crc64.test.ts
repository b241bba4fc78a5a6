// CRC-64/XZ: every implementation against a tiny reference loop, continuation, and combine.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Crc64, crc64, crc64Combine, crc64Implementation, crc64Js, crc64Native, crc64Wasm } from '../src/crc64/crc64.js'
import { createWasmCrc64, type Crc64Fn } from '../src/crc64/wasm.js'

// Bit-at-a-time reference with BigInt: slow, obviously right.
function reference(data: Uint8Array, crc = 0n): bigint {
  let c = ~crc & 0xffffffffffffffffn
  for (const byte of data) {
    c ^= BigInt(byte)
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ 0xc96c5795d7870f42n : c >> 1n
  }
  return ~c & 0xffffffffffffffffn
}

// zlib-style GF(2) matrix combine with BigInt (the original implementation), as a reference.
function referenceCombine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
  const times = (mat: bigint[], vec: bigint): bigint => {
    let sum = 0n
    for (let i = 0; vec; vec >>= 1n, i++) if (vec & 1n) sum ^= mat[i]!
    return sum
  }
  const square = (sq: bigint[], mat: bigint[]): void => {
    for (let n = 0; n < 64; n++) sq[n] = times(mat, mat[n]!)
  }
  const even: bigint[] = []
  const odd: bigint[] = [0xc96c5795d7870f42n]
  for (let n = 1; n < 64; n++) odd[n] = 1n << BigInt(n - 1)
  square(even, odd)
  square(odd, even)
  let crc = crcA
  for (let len = BigInt(lengthB); len;) {
    square(even, odd)
    if (len & 1n) crc = times(even, crc)
    len >>= 1n
    if (!len) break
    square(odd, even)
    if (len & 1n) crc = times(odd, crc)
    len >>= 1n
  }
  return crc ^ crcB
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s)
const random = randomBytes(300_000)

const wasmRequired = crc64Wasm()
// The native addon is opt-in (`npm run build:native`; .ci/run builds it): where it is not built, its tests are
// skipped under a name that says so, rather than left out without a word.
const NATIVE = crc64Native ? 'native' : 'native (skipped: the addon is not built here; npm run build:native builds it)'
const impls: [string, Crc64Fn | undefined][] = [
  ['crc64', crc64],
  ['js', crc64Js],
  [NATIVE, crc64Native],
  ...(wasmRequired
    ? ([
        ['wasm', wasmRequired],
        ['wasm slicing-8, 64 KiB buffer', createWasmCrc64({ slices: 8, bufferBytes: 65536 })!],
        ['wasm slicing-32, 64 KiB buffer', createWasmCrc64({ slices: 32, bufferBytes: 65536 })!],
      ] as [string, Crc64Fn][])
    : []),
]

// Where the addon was built on x86-64, the CPU has PCLMULQDQ (every x86-64 CPU since 2010), so the addon must
// be the one in use.
const addonBuilt = existsSync(
  fileURLToPath(new URL('../src/crc64/native/build/Release/dtdl_crc64.node', import.meta.url)),
)

it('uses the native addon where it was built, else WebAssembly', () => {
  expect(wasmRequired).toBeTypeOf('function')
  expect(crc64Implementation).toBe(
    addonBuilt && process.arch === 'x64' && process.env.DTDL_NATIVE !== '0' ? 'native' : 'wasm',
  )
})

it('falls back to WebAssembly with DTDL_NATIVE=0 (as without the addon), same result, in the built module', () => {
  const dist = new URL('../dist/crc64/crc64.js', import.meta.url).href
  const script = `import(${JSON.stringify(dist)}).then((m) => console.log(m.crc64Implementation, m.crc64(new TextEncoder().encode('123456789'.repeat(40))).toString(16)))`
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' })
      .stdout.trim()
      .split(' ')
  const expected = crc64Js(ascii('123456789'.repeat(40))).toString(16)
  expect(run({ DTDL_NATIVE: '0' })).toEqual(['wasm', expected])
  expect(run({})).toEqual([crc64Implementation, expected])
})

describe.each(impls)('%s', (_name, maybe) => {
  const fn = maybe ?? (() => 0n)
  const check = maybe ? it : it.skip
  check.each([
    ['check value "123456789"', ascii('123456789'), 0x995dc9bbdf1939fan],
    ['empty', new Uint8Array(0), 0n],
    ['one zero byte', new Uint8Array([0]), reference(new Uint8Array([0]))],
    ['one 0xff byte', new Uint8Array([0xff]), reference(new Uint8Array([0xff]))],
    ['"a"', ascii('a'), 0x330284772e652b05n],
  ])('%s', (_label, data, expected) => {
    expect(fn(data)).toBe(expected)
  })

  check.each(Array.from({ length: 256 }, (_, b) => b))('single byte %i', (b) => {
    expect(fn(new Uint8Array([b]))).toBe(reference(new Uint8Array([b])))
  })

  check.each(Array.from({ length: 100 }, (_, i) => i + 1))('length %i at offsets 0..7', (length) => {
    for (let offset = 0; offset < 8; offset++) {
      const data = random.subarray(offset, offset + length)
      expect(fn(data)).toBe(reference(data))
    }
  })

  check.each([63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 4099, 65536 + 13])(
    'length %i at odd offset 3',
    (length) => {
      const data = random.subarray(3, 3 + length)
      expect(fn(data)).toBe(reference(data))
    },
  )

  check.each([0, 1, 7, 8, 15, 16, 17, 100, 4096, 65537, 150_000])('continues after a split at %i', (split) => {
    const whole = random.subarray(1, 200_001)
    const first = fn(whole.subarray(0, split))
    expect(fn(whole.subarray(split), first)).toBe(crc64Js(whole))
  })

  check('agrees with the JS loop on 300 000 random bytes (more than the wasm staging buffer)', () => {
    expect(fn(random)).toBe(crc64Js(random))
    expect(fn(random.subarray(5))).toBe(crc64Js(random.subarray(5)))
  })
})

it('agrees with the reference on a long unaligned buffer', () => {
  const data = random.subarray(1, 20_001)
  expect(crc64(data)).toBe(reference(data))
})

describe('Crc64', () => {
  it('streams chunks to the same value and counts bytes', () => {
    const c = new Crc64()
    for (let off = 0; off < random.length; off += 7_777) c.update(random.subarray(off, off + 7_777))
    expect(c.value).toBe(crc64(random))
    expect(c.length).toBe(random.length)
  })
  it('starts empty', () => {
    expect(new Crc64().value).toBe(0n)
    expect(new Crc64().length).toBe(0)
  })
})

describe('crc64Combine', () => {
  const data = random.subarray(0, 70_000)
  const whole = crc64(data)
  it.each([0, 1, 2, 3, 7, 8, 9, 255, 256, 4096, 32_767, 65_536, 69_999, 70_000])('joins a split at %i', (split) => {
    const a = data.subarray(0, split)
    const b = data.subarray(split)
    expect(crc64Combine(crc64(a), crc64(b), b.length)).toBe(whole)
  })

  it('joins many segments in order', () => {
    let crc = 0n
    for (let off = 0; off < data.length; off += 6_000) {
      const seg = data.subarray(off, off + 6_000)
      crc = crc64Combine(crc, crc64(seg), seg.length)
    }
    expect(crc).toBe(whole)
  })

  it.each([
    1,
    1000,
    65_536,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 32 + 1,
    5e9,
    2 ** 45 + 12_345,
    Number.MAX_SAFE_INTEGER,
  ])('matches the matrix reference for lengthB %d', (lengthB) => {
    const a = 0x0123456789abcdefn
    const b = 0xfedcba9876543210n
    expect(crc64Combine(a, b, lengthB)).toBe(referenceCombine(a, b, lengthB))
  })

  it('is associative over large lengths', () => {
    const [a, b, c] = [0x1111222233334444n, 0x5555666677778888n, 0x99990000aaaabbbbn]
    const lb = 5e9
    const lc = 3e9 + 7
    expect(crc64Combine(crc64Combine(a, b, lb), c, lc)).toBe(crc64Combine(a, crc64Combine(b, c, lc), lb + lc))
  })

  it.each([0, -1, Number.NaN])('returns crcA for an empty B (lengthB %d)', (lengthB) => {
    expect(crc64Combine(0xabcn, 0n, lengthB)).toBe(0xabcn)
  })
})
