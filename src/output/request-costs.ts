// What a run cost, for people: the counts on the end line, and the one line that sums up throttling.
import type { RequestCounts } from '../http/request-counter.js'

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** Pure: "3 API calls, 1 storage request": the tail every end line carries. */
export function describeRequests(counts: RequestCounts): string {
  return `${plural(counts.apiCalls.total, 'API call')}, ${plural(counts.storageRequests, 'storage request')}`
}

/** Pure: an end line with the counts added: "<line>; 3 API calls, 1 storage request". */
export function withRequests(line: string, counts: RequestCounts): string {
  return `${line}; ${describeRequests(counts)}`
}

/** Pure: one line summing up the throttled or busy answers, or undefined when there were none. */
export function describeThrottling(counts: RequestCounts): string | undefined {
  if (counts.apiThrottled === 0) return undefined
  const codes = counts.apiThrottledCodes.length > 0 ? ` (${counts.apiThrottledCodes.join(', ')})` : ''
  return `DingTalk throttled or was busy for ${plural(counts.apiThrottled, 'answer')}${codes} of ${counts.apiCalls.total} API calls: dtdl waited and retried them, and slowed down (lower --api-qps or -j if this recurs)`
}

/** The lines a command prints at its end about requests: the throttling summary, if any. */
export function requestNotes(counts: RequestCounts): string[] {
  const line = describeThrottling(counts)
  return line === undefined ? [] : [line]
}
