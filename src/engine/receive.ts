// The one place bytes are received: a response's body streamed into one segment of a sink (a partial file, or
// stdout), clipped to the segment, paced by the rate limit; the sink writes and checksums what it wrote.
import { NetworkError } from '../errors.js'
import type { RateLimiter } from './rate-limiter.js'
import type { ResourceResponse } from './resource-request.js'

/** A segment being downloaded. */
export interface Segment {
  start: number
  /** Exclusive; may shrink when another connection takes over the second half. */
  end: number
  /** Next byte to receive. */
  pos: number
  /** Bytes [start, flushed) are written to the sink (for a file, not yet necessarily fsynced). */
  flushed: number
  /** CRC-64 of [start, flushed): of the bytes written, not merely received. */
  crc: bigint
}

export const toSegment = (r: { start: number; end: number }): Segment => ({
  start: r.start,
  end: r.end,
  pos: r.start,
  flushed: r.start,
  crc: 0n,
})

/** Where received bytes go: a partial file (sinks.ts FileSink) or a stream (StreamSink). */
export interface Sink {
  /** A writer for one response's bytes, from `seg.pos` on; it moves seg.flushed and seg.crc over what it wrote. */
  writer(seg: Segment): SegmentWriter
}

export interface SegmentWriter {
  add(data: Buffer): Promise<void>
  /** Writes what is buffered and waits for it; called once the response ends, however it ends. */
  drain(): Promise<void>
}

export interface ReceiveContext {
  /** Stops the transfer as a whole (another connection failed for good, or the user aborted). */
  stop: AbortSignal
  limiter?: RateLimiter | undefined
  /** Called for every chunk taken: the fetcher's stall watch, the progress count. */
  onBytes: (n: number) => void
  /** Bytes at the start of the body to drop (a restart from byte 0 into a stream that already has them). */
  skip?: number | undefined
}

/** Drops a response body we will not read; undici reports the abort as an 'error' nobody needs to hear. */
export function discard(body: ResourceResponse['body']): void {
  body.on('error', () => {})
  body.destroy()
}

/** Streams one response into `seg`; returns when the segment is complete, throws if the body ends early. */
export async function receive(res: ResourceResponse, seg: Segment, sink: Sink, ctx: ReceiveContext): Promise<void> {
  const writer = sink.writer(seg)
  let skip = ctx.skip ?? 0
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      let data = chunk
      if (skip > 0) {
        const drop = Math.min(skip, data.length)
        skip -= drop
        data = data.subarray(drop)
        ctx.onBytes(0)
        if (data.length === 0) continue
      }
      // Another connection may have taken over our tail: stop at the (possibly moved) end. A body that ends
      // exactly there is read to its end rather than cut (cutting one costs undici an AbortError and its stack).
      const room = seg.end - seg.pos
      if (room <= 0) break
      if (data.length > room) data = data.subarray(0, room)
      seg.pos += data.length
      ctx.onBytes(data.length)
      await writer.add(data)
      if (ctx.limiter) await ctx.limiter.take(data.length, ctx.stop)
    }
  } finally {
    try {
      await writer.drain()
    } finally {
      // Even when a write failed: the response must not hold its connection.
      if (seg.pos < seg.end || !res.body.readableEnded) discard(res.body)
    }
  }
  if (seg.pos < seg.end)
    throw new NetworkError(`the connection closed ${seg.end - seg.pos} bytes early`, { code: 'PREMATURE_CLOSE' })
}
