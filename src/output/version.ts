// `dtdl --version --verbose`: the version, then what this install runs on; the CRC-64 implementation is the part
// that depends on how dtdl was installed (`npm run build:native`).

export type Crc64Implementation = 'native' | 'wasm' | 'js'

/** Pure: `--version` and `-V`, with `--verbose` or `-v`, and nothing else (a command's own -v is not this). */
export function isVerboseVersion(args: readonly string[]): boolean {
  return (
    args.length === 2 &&
    args.some((a) => a === '--version' || a === '-V') &&
    args.some((a) => a === '--verbose' || a === '-v')
  )
}

/** Pure: the lines `dtdl --version --verbose` prints on stdout. */
export function describeVersion(input: {
  version: string
  crc64: Crc64Implementation
  nativeSkipped: boolean
  node: string
  platform: string
  arch: string
}): string[] {
  const crc64 = {
    native: 'native addon (carry-less multiplication)',
    wasm: input.nativeSkipped
      ? 'WebAssembly (DTDL_NATIVE=0 skips the native addon)'
      : 'WebAssembly (`npm run build:native` builds the faster native addon)',
    js: 'JavaScript (this Node has no WebAssembly; same results, slower)',
  }[input.crc64]
  return [input.version, `Node.js ${input.node} (${input.platform} ${input.arch})`, `CRC-64: ${crc64}`]
}

/** Loads the CRC-64 module (which picks its implementation as it loads) and describes this install. */
export async function versionLines(
  version: string,
  env: Record<string, string | undefined> = process.env,
): Promise<string[]> {
  const { crc64Implementation } = await import('../crc64/crc64.js')
  return describeVersion({
    version,
    crc64: crc64Implementation,
    nativeSkipped: env.DTDL_NATIVE === '0',
    node: process.version,
    platform: process.platform,
    arch: process.arch,
  })
}
