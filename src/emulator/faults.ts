// The fault switches and their counters (which response is the Kth, how many times are left), per emulator.

import { SharedBandwidth } from './throttle.js'
import type { EmulatorApiName, EmulatorFaults, EmulatorGarbageKind } from './types.js'

/** What one object response must do to its body. */
export interface BodyFaults {
  /** Reset the connection after this many body bytes. */
  cutAfter: number | undefined
  /** Stop sending after this many body bytes and hold the socket open. */
  silentAfter: number | undefined
  bytesPerSecond: number | undefined
  /** The emulator-wide bandwidth (bytesPerSecondTotal) this response shares with every other. */
  shared: SharedBandwidth | undefined
}

export class FaultState {
  faults: EmulatorFaults = {}
  #objectResponses = 0
  #silentLeft = 0
  #apiErrorLeft = 0
  #corruptPending = false
  #mutationPending = false
  #shared: SharedBandwidth | undefined
  #stallLeft = 0
  #garbageLeft = 0
  readonly #archivedCalls = new Map<string, number>()
  /** Accepted calls per API in the last second (ms timestamps), for qpsLimit. */
  readonly #recentCalls = new Map<EmulatorApiName, number[]>()

  constructor(faults: EmulatorFaults = {}) {
    this.set(faults)
  }

  /** Replaces the switches and restarts every counter, so each fault set starts from a known state. */
  set(faults: EmulatorFaults): void {
    this.faults = { ...faults }
    this.#objectResponses = 0
    this.#silentLeft = countOf(faults.silentAfterBytes?.times, faults.silentAfterBytes ? 1 : 0)
    this.#apiErrorLeft = faults.apiError?.times ?? 0
    this.#corruptPending = faults.corruptOnce ?? false
    this.#mutationPending = faults.mutateAfterResponses !== undefined
    this.#shared = faults.bytesPerSecondTotal ? new SharedBandwidth(faults.bytesPerSecondTotal) : undefined
    this.#stallLeft = countOf(faults.apiStall?.times, 1)
    this.#garbageLeft = countOf(faults.garbage?.times, 1)
    this.#archivedCalls.clear()
    this.#recentCalls.clear()
  }

  /** The 403 a call of `api` must answer because the QPS limit is reached, if it is; else the call is counted. */
  takeQpsRejection(
    api: EmulatorApiName,
    now = performance.now(),
  ): { code: string; status: number; message: string } | undefined {
    const limit = this.faults.qpsLimit
    const target = limit?.api ?? 'downloadInfo'
    if (!limit || (target !== 'any' && target !== api)) return undefined
    const recent = (this.#recentCalls.get(api) ?? []).filter((t) => now - t < 1000)
    this.#recentCalls.set(api, recent)
    if (recent.length >= limit.callsPerSecond) {
      return {
        code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
        status: 403,
        message: `请求被流控：应用调用该接口的频率超过了${limit.callsPerSecond}次/秒`,
      }
    }
    recent.push(now)
    return undefined
  }

  /** The signature lifetime actually enforced. */
  get signatureTtlSeconds(): number {
    return this.faults.signatureTtlSeconds ?? this.advertisedExpirationSeconds
  }

  get advertisedExpirationSeconds(): number {
    return this.faults.expirationSeconds ?? 900
  }

  /** Called once per 200/206 object response, before its body: decides cuts, stalls and speed. */
  planBody(bodyLength: number): BodyFaults {
    this.#objectResponses++
    const plan: BodyFaults = {
      cutAfter: undefined,
      silentAfter: undefined,
      bytesPerSecond: this.faults.bytesPerSecondPerConnection,
      shared: this.#shared,
    }
    const silent = this.faults.silentAfterBytes
    // A stall or cut only means something when bytes would follow it, so shorter bodies do not use one up.
    if (silent && this.#silentLeft > 0 && bodyLength > silent.afterBytes) {
      this.#silentLeft--
      plan.silentAfter = silent.afterBytes
      return plan
    }
    const cut = this.faults.cutEveryKth
    if (cut && cut.k > 0 && this.#objectResponses % cut.k === 0 && bodyLength > cut.afterBytes)
      plan.cutAfter = cut.afterBytes
    return plan
  }

  /** Which files to overwrite now (mutateAfterResponses), once enough object responses have started; else undefined. */
  takeMutation(): { dentryId?: string } | undefined {
    const mutate = this.faults.mutateAfterResponses
    if (!mutate || !this.#mutationPending || this.#objectResponses < mutate.afterResponses) return undefined
    this.#mutationPending = false
    return mutate.dentryId === undefined ? {} : { dentryId: mutate.dentryId }
  }

  /** True once, for the first body bytes (of a body over 1 byte) after corruptOnce was set. */
  takeCorruption(): boolean {
    if (!this.#corruptPending) return false
    this.#corruptPending = false
    this.faults.corruptOnce = false
    return true
  }

  /** The JSON error the next call of `api` must answer, if any is left. */
  takeApiError(api: EmulatorApiName): { code: string; status: number; message: string } | undefined {
    const fault = this.faults.apiError
    if (!fault || this.#apiErrorLeft <= 0) return undefined
    const target = fault.api ?? 'downloadInfo'
    if (target !== 'any' && target !== api) return undefined
    this.#apiErrorLeft--
    return { code: fault.code, status: fault.status, message: fault.message ?? `emulated ${fault.code}` }
  }

  /** How this call of `api` must stall (apiStall), if it must. */
  takeStall(api: EmulatorApiName): 'after-headers' | 'no-headers' | undefined {
    const stall = this.faults.apiStall
    if (!stall || this.#stallLeft <= 0 || !aims(stall.api, api)) return undefined
    this.#stallLeft--
    return stall.mode
  }

  /** The wrong shape this answer of `api` must take (garbage), if any is left and `fits` the answer. */
  takeGarbage(api: EmulatorApiName, fits: (kind: EmulatorGarbageKind) => boolean): EmulatorGarbageKind | undefined {
    const garbage = this.faults.garbage
    if (!garbage || this.#garbageLeft <= 0 || !aims(garbage.api, api) || !fits(garbage.kind)) return undefined
    this.#garbageLeft--
    return garbage.kind
  }

  /** Whether listings of `api` never end (endlessPages). */
  isEndless(api: EmulatorApiName): boolean {
    const endless = this.faults.endlessPages
    if (endless === true) return api === 'list' || api === 'versions' || api === 'listAll'
    return endless !== undefined && endless !== false && endless.api === api
  }

  /** The size a 200 answer of `api` must be padded to (hugeBody), if it must. */
  hugeBodyBytes(api: EmulatorApiName): number | undefined {
    const huge = this.faults.hugeBody
    return huge && aims(huge.api, api) ? huge.bytes : undefined
  }

  /** Whether an archived file still answers fileArchived; with archivedTimes it restores after that many calls. */
  isStillArchived(key: string): boolean {
    const limit = this.faults.archivedTimes
    if (limit === undefined) return true
    const calls = (this.#archivedCalls.get(key) ?? 0) + 1
    this.#archivedCalls.set(key, calls)
    return calls <= limit
  }
}

/** Whether a fault aimed at `target` (unset: every API) hits a call of `api`. */
function aims(target: EmulatorApiName | undefined, api: EmulatorApiName): boolean {
  return target === undefined || target === 'any' || target === api
}

/** How many times a counted fault fires: 'always' is for ever; unset is `fallback`. */
function countOf(times: number | 'always' | undefined, fallback: number): number {
  return times === 'always' ? Infinity : (times ?? fallback)
}
