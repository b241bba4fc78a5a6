// One 'abort' listener per shared AbortSignal, however many waits and requests hang on it at once.
//
// Every connection of a download waits on the same stop signal (retry backoff, --limit-rate), and every
// file of a batch on the same Ctrl-C signal. One listener each would be fine for correctness, but Node
// warns ("MaxListenersExceededWarning: Possible EventTarget memory leak") past 10 on one signal, and
// that warning lands in the user's output. So each signal gets one real listener that calls the waiters
// registered here; a waiter is forgotten as soon as its wait ends.

type Waiter = (reason: unknown) => void

const waitersBySignal = new WeakMap<AbortSignal, Set<{ fn: Waiter }>>()

/**
 * Calls `fn` with the abort reason when `signal` aborts. Returns a function that forgets `fn`: call it
 * when the wait ends, so the list holds only what is waiting now. Like addEventListener, nothing is
 * called for a signal that has already aborted: check `signal.aborted` first.
 */
export function onAbort(signal: AbortSignal, fn: Waiter): () => void {
  let waiters = waitersBySignal.get(signal)
  if (waiters === undefined) {
    const created = new Set<{ fn: Waiter }>()
    waiters = created
    waitersBySignal.set(signal, created)
    signal.addEventListener(
      'abort',
      () => {
        for (const w of [...created]) w.fn(signal.reason)
        created.clear()
      },
      { once: true },
    )
  }
  // A fresh entry each time: the same function registered twice is two waits, forgotten separately.
  const entry = { fn }
  const list = waiters
  list.add(entry)
  return () => {
    list.delete(entry)
  }
}

/** How many waits hang on `signal` now (what the tests watch). */
export function waitingOn(signal: AbortSignal): number {
  return waitersBySignal.get(signal)?.size ?? 0
}

/**
 * A signal of its own for one request, aborted with `parent`'s reason when `parent` aborts: what to hand
 * a library (undici adds its own listener to whatever signal it gets). `release()` when the request ends.
 */
export function childSignal(parent: AbortSignal): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController()
  if (parent.aborted) {
    controller.abort(parent.reason)
    return { signal: controller.signal, release: () => {} }
  }
  const release = onAbort(parent, (reason) => controller.abort(reason))
  return { signal: controller.signal, release }
}
