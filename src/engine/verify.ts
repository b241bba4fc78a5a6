// Checksums of local files: the CRC-64 of byte ranges a run did not see stream past, SHA-256 for --sha256.
import { createReadStream } from 'node:fs'
import { createHash } from 'node:crypto'
import { crc64, crc64Combine } from '../crc64/crc64.js'
import { IntegrityError, toFileSystemError } from '../errors.js'
import { missingRanges, type ByteRange } from './segments.js'

/** A range of the file with the CRC-64 of its bytes. */
export interface CrcPiece extends ByteRange {
  crc: bigint
}

/** CRC-64 of [range.start, range.end) of a file, read back from disk. */
export async function fileRangeCrc(path: string, range: ByteRange): Promise<bigint> {
  let crc = 0n
  if (range.end <= range.start) return crc
  try {
    for await (const chunk of createReadStream(path, {
      start: range.start,
      end: range.end - 1,
      highWaterMark: 1024 * 1024,
    }))
      crc = crc64(chunk as Buffer, crc)
  } catch (err) {
    throw toFileSystemError(err, path, 'read')
  }
  return crc
}

/**
 * The whole file's CRC-64 from the pieces computed while streaming, joined with the combine operation;
 * only the parts no piece covers (what an earlier run downloaded) are read back from disk.
 */
export async function wholeFileCrc(path: string, size: number, seen: readonly CrcPiece[]): Promise<bigint> {
  const pieces: CrcPiece[] = [...seen]
  for (const gap of missingRanges(seen, size)) pieces.push({ ...gap, crc: await fileRangeCrc(path, gap) })
  pieces.sort((a, b) => a.start - b.start)
  let crc = 0n
  let at = 0
  for (const p of pieces) {
    if (p.start !== at)
      throw new IntegrityError('CRC_COVERAGE', `internal error: CRC pieces do not cover the file at byte ${at}`)
    crc = at === 0 ? p.crc : crc64Combine(crc, p.crc, p.end - p.start)
    at = p.end
  }
  return crc
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer)
  } catch (err) {
    throw toFileSystemError(err, path, 'read')
  }
  return hash.digest('hex')
}

/** `from` says where the expected hash came from ("given with --sha256", the default; "from line 4 of list.txt"...). */
export function sha256MismatchError(
  actual: string,
  expected: string,
  from: string | undefined,
  where: string,
): IntegrityError {
  return new IntegrityError(
    'SHA256_MISMATCH',
    `the SHA-256 of the downloaded file is ${actual}, not the ${expected.toLowerCase()} ${from ?? 'given with --sha256'}; ${where}`,
    {
      hint: from === undefined ? 'check the --sha256 value' : 'check the SHA-256 you gave',
    },
  )
}
