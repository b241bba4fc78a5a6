// The sinks of the fetch pipeline: a partial file (positional writes, each checked for the bytes that reached
// the disk) or a stream such as stdout (in order, with backpressure); each checksums exactly what it wrote.
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { Hash } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import { crc64 } from '../crc64/crc64.js'
import { OutputClosedError, toFileSystemError } from '../errors.js'
import { writeAll } from '../disk/files.js'
import type { Segment, SegmentWriter, Sink } from './receive.js'

/** Bytes a connection buffers before one positional write: fewer syscalls, bounded memory (256 KiB measured
 * as fast as 512 KiB or 128 KiB on one connection, and 6-9 MiB less peak RSS with 8 connections). */
const WRITE_BATCH_BYTES = 256 * 1024
/** ...or this long, so a slow connection's bytes reach the disk (and the next checkpoint) soon. */
const WRITE_BATCH_MS = 50

/** The partial file a download writes into; `path` names it in errors. */
export class FileSink implements Sink {
  constructor(
    readonly handle: FileHandle,
    readonly path: string,
  ) {}

  writer(seg: Segment): SegmentWriter {
    return new DoubleBuffer(seg, this)
  }

  /** Everything written reaches the disk (before a record claims it, or the file takes its final name). */
  async sync(): Promise<void> {
    await this.handle.sync().catch((err: unknown) => {
      throw toFileSystemError(err, this.path, 'write to')
    })
  }
}

/**
 * Two alternating buffers, so the disk write overlaps the next socket read. Bytes are copied into them rather
 * than kept as the socket's chunks: chunks held across a write survive young-generation GCs, get promoted
 * and pile up (tens of MiB) until a full GC; copied, each chunk dies young, and the copy costs far less
 * than the write. One write is in flight at a time, so seg.flushed and seg.crc only move forward, in order,
 * over bytes written.
 */
class DoubleBuffer implements SegmentWriter {
  /** Made when first needed, each no larger than what is left of the segment: a 40 KiB file needs one of 40 KiB. */
  readonly #buffers: Buffer[] = []
  #batch: Buffer | undefined
  /** The buffer the write in flight reads from: never filled until that write is done. */
  #inFlight: Buffer | undefined
  #filled = 0
  #writeAt: number
  #writing: Promise<void> = Promise.resolve()
  #startedAt = 0

  constructor(
    private readonly seg: Segment,
    private readonly sink: FileSink,
  ) {
    this.#writeAt = seg.flushed
  }

  /** The buffer to fill: the other one than the write in flight, allocated on first use. */
  #nextBuffer(): Buffer {
    const spare = this.#buffers.find((b) => b !== this.#inFlight)
    if (spare) return spare
    const made = Buffer.allocUnsafeSlow(Math.max(1, Math.min(WRITE_BATCH_BYTES, this.seg.end - this.#writeAt)))
    this.#buffers.push(made)
    return made
  }

  async add(data: Buffer): Promise<void> {
    if (this.#filled === 0) {
      // The segment's last bytes with nothing buffered (a small file's one chunk, mostly): written as they
      // are, with no buffer to make and no copy; the response ends with them, so they are not held for long.
      if (this.#writeAt + data.length >= this.seg.end) return this.#write(data, data.length)
      this.#startedAt = Date.now()
    }
    for (let off = 0; off < data.length;) {
      this.#batch ??= this.#nextBuffer()
      const n = data.copy(this.#batch, this.#filled, off)
      this.#filled += n
      off += n
      if (this.#filled === this.#batch.length) await this.#flush()
    }
    if (Date.now() - this.#startedAt >= WRITE_BATCH_MS) await this.#flush()
  }

  /** Starts writing the filled buffer and switches to the other, once that one's write is done. */
  async #flush(): Promise<void> {
    if (this.#filled === 0 || this.#batch === undefined) return this.#writing
    await this.#write(this.#batch, this.#filled)
    this.#filled = 0
    this.#batch = undefined
  }

  /** Starts writing `n` bytes of `buf` at the next position, once the write in flight is done. */
  async #write(buf: Buffer, n: number): Promise<void> {
    await this.#writing
    const { seg, sink } = this
    const at = this.#writeAt
    this.#writing = writeAll(sink.handle, buf, 0, n, at, (written) => {
      seg.crc = crc64(written, seg.crc)
      seg.flushed += written.length
    }).catch((err: unknown) => {
      throw toFileSystemError(err, sink.path, 'write to')
    })
    // Awaited at the next flush; until then a failure must not count as unhandled.
    this.#writing.catch(() => {})
    this.#writeAt = at + n
    this.#inFlight = buf
  }

  async drain(): Promise<void> {
    await this.#flush()
    await this.#writing
  }
}

/**
 * A stream (stdout for `-o -`): bytes in order, one segment, waiting for the reader rather than buffering the
 * file in memory. A reader that goes away (`| head -c 100`) ends the download as a normal end.
 */
export class StreamSink implements Sink {
  readonly #closed: Promise<never>

  constructor(
    private readonly out: Writable,
    private readonly sha: Hash | undefined,
  ) {
    this.#closed = new Promise<never>((_, reject) =>
      out.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EPIPE'
            ? new OutputClosedError('stdout', { cause: err })
            : toFileSystemError(err, 'stdout', 'write to'),
        ),
      ),
    )
    this.#closed.catch(() => {})
  }

  writer(seg: Segment): SegmentWriter {
    return {
      add: async (data) => {
        const ready = this.out.write(data)
        seg.crc = crc64(data, seg.crc)
        this.sha?.update(data)
        seg.flushed += data.length
        if (!ready) await Promise.race([once(this.out, 'drain'), this.#closed])
      },
      drain: async () => {},
    }
  }
}
