// The state every request handler shares inside one emulator instance.

import type { Signer, TokenBook } from './auth.js'
import type { FaultState } from './faults.js'
import type { Store } from './store.js'
import type { EmulatorStats, EmulatorUserSpec, EmulatorWorkspaceSpec } from './types.js'

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
}
