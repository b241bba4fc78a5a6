// Working through a list a few items at a time: the mirror's stats, the walk's folders, the input file's
// lookups and the batch's files all share this one loop.

/**
 * Runs `work` on each item, at most `limit` at once, taking items in list order. Once `signal` aborts, no
 * new item is taken (those running finish); a rejection of `work` rejects the whole, as Promise.all does.
 */
export async function eachAtOnce<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++
      await work(items[index]!, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
