// One response streamed into its segment of the partial file: CRC as the bytes pass, two write buffers so the
// disk write overlaps the next socket read, and `flushed` moved only over bytes really written.
import type { FileHandle } from 'node:fs/promises'
import { crc64 } from '../crc64/crc64.js'
import { NetworkError, toFileSystemError } from '../errors.js'
import type { RateLimiter } from './rate-limiter.js'
import type { ResourceResponse } from './resource-request.js'
import { discard } from './remote.js'

/** Bytes a connection buffers before one positional write: fewer syscalls, bounded memory (256 KiB measured
 * as fast as 512 KiB or 128 KiB on one connection, and 6-9 MiB less peak RSS with 8 connections). */
const WRITE_BATCH_BYTES = 256 * 1024
/** ...or this long, so a slow connection's bytes reach the disk (and the next checkpoint) soon. */
const WRITE_BATCH_MS = 50

/** A segment being downloaded. */
export interface Segment {
  start: number
  /** Exclusive; may shrink when another connection takes over the second half. */
  end: number
  /** Next byte to receive. */
  pos: number
  /** Bytes [start, flushed) are written to the partial file (not yet necessarily fsynced). */
  flushed: number
  /** CRC-64 of [start, pos). */
  crc: bigint
}

export const toSegment = (r: { start: number; end: number }): Segment => ({ ...r, pos: r.start, flushed: r.start, crc: 0n })

export interface SegmentSink {
  handle: FileHandle
  partialPath: string
  limiter?: RateLimiter | undefined
  /** Called for every chunk: the fetcher's stall watch, and the transfer's byte count. */
  onBytes: (n: number) => void
}

/**
 * Two alternating buffers. Bytes are copied into them rather than kept as the socket's chunks: chunks
 * held across a write survive young-generation GCs, get promoted and pile up (tens of MiB) until a full
 * GC; copied, each chunk dies young, and the copy costs far less than the write.
 */
class DoubleBuffer {
  readonly #buffers = [Buffer.allocUnsafeSlow(WRITE_BATCH_BYTES), Buffer.allocUnsafeSlow(WRITE_BATCH_BYTES)] as const
  #batch: Buffer = this.#buffers[0]
  #filled = 0
  #writeAt: number
  /** The write in flight: at most one, so seg.flushed only ever moves forward over written bytes. */
  #writing: Promise<void> = Promise.resolve()
  startedAt = 0

  constructor(
    private readonly seg: Segment,
    private readonly sink: SegmentSink,
  ) {
    this.#writeAt = seg.flushed
  }

  async add(data: Buffer): Promise<void> {
    if (this.#filled === 0) this.startedAt = Date.now()
    for (let off = 0; off < data.length; ) {
      const n = data.copy(this.#batch, this.#filled, off)
      this.#filled += n
      off += n
      if (this.#filled === this.#batch.length) await this.flush()
    }
  }

  /** Starts writing the filled buffer and switches to the other, once that one's write is done. */
  async flush(): Promise<void> {
    await this.#writing
    if (this.#filled === 0) return
    const at = this.#writeAt
    const n = this.#filled
    const buf = this.#batch
    const { seg, sink } = this
    this.#writing = (async () => {
      // A write can be short (the disk filled up part way): write the rest, and claim only what was written.
      for (let off = 0; off < n; ) {
        const { bytesWritten } = await sink.handle.write(buf, off, n - off, at + off)
        if (bytesWritten <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'EIO' })
        off += bytesWritten
        seg.flushed = at + off
      }
    })().catch((err: unknown) => {
      throw toFileSystemError(err, sink.partialPath, 'write to')
    })
    // Awaited at the next flush; until then a failure must not count as unhandled.
    this.#writing.catch(() => {})
    this.#writeAt = at + n
    this.#filled = 0
    this.#batch = this.#batch === this.#buffers[0] ? this.#buffers[1] : this.#buffers[0]
  }

  /** Flushes what is left and waits for the last write. */
  async drain(): Promise<void> {
    await this.flush()
    await this.#writing
  }
}

/** Streams one response into the segment; returns when the segment is complete, throws if it ends early. */
export async function receiveSegment(seg: Segment, res: ResourceResponse, sink: SegmentSink, stopSignal: AbortSignal): Promise<void> {
  const buffer = new DoubleBuffer(seg, sink)
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      // Another connection may have taken over our tail: stop at the (possibly moved) end.
      const room = seg.end - seg.pos
      const data = chunk.length > room ? chunk.subarray(0, room) : chunk
      seg.crc = crc64(data, seg.crc)
      seg.pos += data.length
      sink.onBytes(data.length)
      await buffer.add(data)
      if (Date.now() - buffer.startedAt >= WRITE_BATCH_MS) await buffer.flush()
      if (sink.limiter) await sink.limiter.take(data.length, stopSignal)
      if (seg.pos >= seg.end) break
    }
  } finally {
    try {
      await buffer.drain()
    } finally {
      // Even when a write failed: the response must not hold its connection.
      if (seg.pos < seg.end || !res.body.readableEnded) discard(res.body)
    }
  }
  if (seg.pos < seg.end) throw new NetworkError(`the connection closed ${seg.end - seg.pos} bytes early`, { code: 'PREMATURE_CLOSE' })
}
