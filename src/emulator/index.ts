// The emulator's public API: start one, configure faults, read its stats.

export { DEMO, startEmulator } from './server.js'
export { decideRange } from './oss.js'
export type {
  ApiRequestLog,
  Emulator,
  EmulatorApiName,
  EmulatorFaults,
  EmulatorFileSpec,
  EmulatorFolderSpec,
  EmulatorOptions,
  EmulatorStats,
  EmulatorUserSpec,
  EmulatorWorkspaceSpec,
  ResourceRequestLog,
} from './types.js'
