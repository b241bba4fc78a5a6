// The optional native CRC-64 (src/crc64/native/crc64.c, PCLMULQDQ folding, ~6x the WebAssembly loop), built on
// request by `npm run build:native` (node-gyp, a C compiler); without it dtdl uses WebAssembly, same results.
import { createRequire } from 'node:module'
import type { Crc64Fn } from './wasm.js'

// node-gyp's output, seen from dist/ (the CLI's bundle, dist/cli.bundle.js: first, a miss costs a lookup and
// a throw), from dist/crc64/ (the library) and from src/crc64/ (tests run the TypeScript).
const ADDON_PATHS = [
  '../src/crc64/native/build/Release/dtdl_crc64.node',
  '../../src/crc64/native/build/Release/dtdl_crc64.node',
  './native/build/Release/dtdl_crc64.node',
]

/**
 * The native CRC-64, or undefined when the addon was not built, fails to load, or the CPU lacks carry-less
 * multiplication (the addon's own fallback is a byte loop, slower than WebAssembly). DTDL_NATIVE=0 skips it.
 */
export function loadNativeCrc64(env: Record<string, string | undefined> = process.env): Crc64Fn | undefined {
  if (env.DTDL_NATIVE === '0') return undefined
  const require = createRequire(import.meta.url)
  for (const path of ADDON_PATHS) {
    try {
      const addon = require(path) as { crc64: (data: Uint8Array, crc: bigint) => bigint; accelerated: boolean }
      return addon.accelerated ? (data, crc = 0n) => addon.crc64(data, crc) : undefined
    } catch {
      // Not built here, or built for another Node ABI/platform: try the next place, then fall back.
    }
  }
  return undefined
}
