// The one "a few at a time" loop: list order, the limit, an abort that stops new items, a failure.
import { describe, expect, it } from 'vitest'
import { eachAtOnce } from '../../src/each-at-once.js'

/** Work that resolves when told to, recording when each item starts. */
function gatedWork() {
  const started: number[] = []
  const gates = new Map<number, () => void>()
  let running = 0
  let most = 0
  const work = (item: number) =>
    new Promise<void>((resolve) => {
      started.push(item)
      most = Math.max(most, ++running)
      gates.set(item, () => {
        running--
        resolve()
      })
    })
  const open = (item: number) => gates.get(item)!()
  return { started, work, open, most: () => most }
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((r) => setImmediate(r))

describe('eachAtOnce', () => {
  it.each([
    { items: 10, limit: 3 },
    { items: 2, limit: 16 },
    { items: 0, limit: 4 },
    { items: 5, limit: 1 },
  ])('$items items, $limit at once: each once, in list order, never more than the limit', async ({ items, limit }) => {
    const list = Array.from({ length: items }, (_, i) => i)
    const g = gatedWork()
    const done = eachAtOnce(list, limit, g.work)
    for (let opened = 0; opened < items; opened++) {
      await settle()
      g.open(g.started[opened]!)
    }
    await done
    expect(g.started).toEqual(list)
    expect(g.most()).toBe(Math.min(limit, items))
  })

  it('takes no new item once the signal aborts; the running ones finish', async () => {
    const abort = new AbortController()
    const g = gatedWork()
    const done = eachAtOnce([0, 1, 2, 3, 4, 5], 2, g.work, abort.signal)
    await settle()
    expect(g.started).toEqual([0, 1])
    abort.abort()
    g.open(0)
    g.open(1)
    await done
    expect(g.started).toEqual([0, 1])
  })

  it('passes each item its index, and rejects with the first failure', async () => {
    const seen: [string, number][] = []
    await eachAtOnce(['a', 'b', 'c'], 2, async (item, index) => void seen.push([item, index]))
    expect(seen.sort()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ])
    await expect(
      eachAtOnce([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('two')
      }),
    ).rejects.toThrow('two')
  })
})
