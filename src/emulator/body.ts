// Streams one object body with backpressure, applying the body faults: speed caps, cut, stall, flipped byte.

import { createReadStream } from 'node:fs'
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { EmulatorContext } from './context.js'
import type { BodyFaults } from './faults.js'
import type { StoredVersion } from './store.js'
import type { ResourceRequestLog } from './types.js'

const READ_CHUNK = 1 << 20
const MEMORY_CHUNK = 4 << 20
// Small pieces keep a throttled stream smooth rather than bursty.
const THROTTLE_CHUNK = 64 << 10

/** Writes bytes start..end (inclusive) of `version` to `res`, then ends it (or cuts/stalls as planned). */
export async function writeBody(
  ctx: EmulatorContext,
  res: ServerResponse,
  version: StoredVersion,
  range: { start: number; end: number },
  plan: BodyFaults,
  log: ResourceRequestLog,
): Promise<void> {
  const length = range.end - range.start + 1
  const stopAt = Math.min(plan.cutAfter ?? Infinity, plan.silentAfter ?? Infinity, length)
  const rate = plan.bytesPerSecond
  const pieceSize = rate || plan.shared ? THROTTLE_CHUNK : version.content ? MEMORY_CHUNK : READ_CHUNK
  const startedAt = performance.now()
  let closed = res.destroyed
  res.once('close', () => (closed = true))
  let sent = 0

  for await (const chunk of readRange(version, range.start, range.end)) {
    for (let offset = 0; offset < chunk.length && sent < stopAt;) {
      if (closed) return
      let piece = chunk.subarray(offset, offset + Math.min(pieceSize, stopAt - sent))
      // Schedule on absolute time so timer lateness is made up on the next piece, keeping the average exact.
      if (rate) await sleepUntil(ctx, res, startedAt + ((sent + piece.length) / rate) * 1000)
      // Booked only once this response's own cap lets the piece go, so a slow one holds no share it cannot use.
      if (plan.shared && !closed) await sleepUntil(ctx, res, plan.shared.book(piece.length))
      if (closed) return
      // A 1-byte body is a size probe whose byte clients drop: corrupt real data instead.
      if (length > 1 && piece.length > 0 && ctx.faults.takeCorruption()) piece = flipByte(piece)
      const last = sent + piece.length === stopAt && stopAt < length
      const flushed = last ? new Promise<void>((resolve) => res.write(piece, () => resolve())) : undefined
      const ok = last || res.write(piece)
      sent += piece.length
      offset += piece.length
      log.bytesSent += piece.length
      ctx.stats.bytesServed += piece.length
      if (flushed) {
        await flushed
        if (plan.cutAfter === stopAt) return resetConnection(res)
        return waitForClose(res)
      }
      if (!ok) await waitForDrain(res)
    }
    if (sent >= stopAt) break
  }
  if (!closed) res.end()
}

async function* readRange(version: StoredVersion, start: number, end: number): AsyncGenerator<Buffer> {
  if (version.content) {
    for (let pos = start; pos <= end; pos += MEMORY_CHUNK)
      yield version.content.subarray(pos, Math.min(pos + MEMORY_CHUNK, end + 1))
    return
  }
  if (end < start) return
  // Breaking out of the loop destroys the stream, so an aborted response stops reading the disk.
  yield* createReadStream(version.path!, { start, end, highWaterMark: READ_CHUNK })
}

function flipByte(piece: Buffer): Buffer {
  const copy = Buffer.from(piece)
  const at = copy.length >> 1
  copy[at] = copy[at]! ^ 0xff
  return copy
}

/** An abrupt RST, like a middlebox dropping the connection: the client sees ECONNRESET, not a clean end. */
function resetConnection(res: ServerResponse): void {
  const socket = res.socket as Socket | null
  if (socket && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
  else res.destroy()
}

function waitForClose(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve()
  return new Promise((resolve) => res.once('close', () => resolve()))
}

/** Resolves once `res` drains or closes. */
export function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

function sleepUntil(ctx: EmulatorContext, res: ServerResponse, deadline: number): Promise<void> {
  const ms = deadline - performance.now()
  if (ms <= 0 || res.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      ctx.timers.delete(timer)
      res.off('close', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    ctx.timers.add(timer)
    res.on('close', done)
  })
}
