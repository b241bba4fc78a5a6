// The state every request handler shares inside one emulator instance.

import type { Signer, TokenBook } from './auth.js'
import type { FaultState } from './faults.js'
import type { Store } from './store.js'
import type { EmulatorApiName, EmulatorStats, EmulatorUserSpec, EmulatorWorkspaceSpec } from './types.js'

export interface EmulatorContext {
  /** Base URL, known once the server listens. */
  url: string
  appKey: string
  appSecret: string
  unionIds: Set<string>
  store: Store
  faults: FaultState
  stats: EmulatorStats
  tokens: TokenBook
  signer: Signer
  workspaces: EmulatorWorkspaceSpec[]
  /** Members the oapi user routes know. */
  users: EmulatorUserSpec[]
  /** Pending throttle timers, cleared on close. */
  timers: Set<NodeJS.Timeout>
  /** How many entries each request log keeps (Infinity: all). */
  requestLogLimit: number
  /** Calls of each API being answered now (counted under the apiLatency fault). */
  inFlight: Partial<Record<EmulatorApiName, number>>
  /** Object bodies being sent now. */
  objectResponses: number
}

/** Appends to a request log, dropping the oldest entries in one go once it is a tenth over its limit. */
export function logRequest<T>(ctx: Pick<EmulatorContext, 'requestLogLimit'>, list: T[], entry: T): void {
  list.push(entry)
  if (list.length > ctx.requestLogLimit * 1.1) list.splice(0, list.length - ctx.requestLogLimit)
}

/** Waits `ms` on a timer that close() clears (a request then never goes on: its socket is destroyed anyway). */
export function wait(ctx: Pick<EmulatorContext, 'timers'>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ctx.timers.delete(timer)
      resolve()
    }, ms)
    ctx.timers.add(timer)
  })
}
