// `dtdl --version --verbose`: which arguments ask for it, and what it says for each CRC-64 implementation.
import { describe, expect, it } from 'vitest'
import { describeVersion, isVerboseVersion } from '../../src/output/version.js'

describe('isVerboseVersion', () => {
  it.each<[string[], boolean]>([
    [['--version', '--verbose'], true],
    [['--verbose', '--version'], true],
    [['-V', '-v'], true],
    [['-v', '--version'], true],
    [['--version'], false],
    [['-v'], false],
    [['get', '--version', '-v'], false],
    [['--version', '--verbose', 'x'], false],
    [['--version', '--version'], false],
  ])('%j → %s', (args, expected) => expect(isVerboseVersion(args)).toBe(expected))
})

describe('describeVersion', () => {
  const base = { version: '1.2.3', node: 'v20.18.1', platform: 'linux', arch: 'x64', nativeSkipped: false }
  it.each<[Parameters<typeof describeVersion>[0], string]>([
    [{ ...base, crc64: 'native' }, 'CRC-64: native addon (carry-less multiplication)'],
    [{ ...base, crc64: 'wasm' }, 'CRC-64: WebAssembly (`npm run build:native` builds the faster native addon)'],
    [{ ...base, crc64: 'wasm', nativeSkipped: true }, 'CRC-64: WebAssembly (DTDL_NATIVE=0 skips the native addon)'],
    [{ ...base, crc64: 'js' }, 'CRC-64: JavaScript (this Node has no WebAssembly; same results, slower)'],
  ])('%j', (input, crcLine) =>
    expect(describeVersion(input)).toEqual(['1.2.3', 'Node.js v20.18.1 (linux x64)', crcLine]),
  )
})
