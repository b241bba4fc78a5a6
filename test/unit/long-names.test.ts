// Long names: cutting to the file system's limit, side files that never need more room, overlong -o parts, shared abort
// signals.
import { basename, dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fitName, MAX_NAME_BYTES, NAME_BUDGET_BYTES, overlongPart, sanitizeFileName } from '../../src/disk/paths.js'
import { isSideFileName, lockPathFor, partialPathFor, recordPathFor } from '../../src/engine/resume-record.js'
import { cleanName, settleSiblingNames, withCounter } from '../../src/batch/mirror-plan.js'
import { childSignal, onAbort, waitingOn } from '../../src/abort-fanout.js'
import { sleep } from '../../src/http/retry.js'

const bytes = (s: string) => Buffer.byteLength(s)
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)

describe('fitName', () => {
  it.each<[string, string, number, string]>([
    ['short names unchanged', 'report.pdf', 20, 'report.pdf'],
    ['exactly the limit unchanged', 'abcdefghij', 10, 'abcdefghij'],
    ['ASCII cut, extension kept', 'abcdefghijkl.txt', 10, 'abcdef.txt'],
    ['no extension: cut at the end', 'abcdefghijkl', 10, 'abcdefghij'],
    ['a double extension is kept whole', 'abcdefghijkl.tar.gz', 14, 'abcdefg.tar.gz'],
    ['an extension longer than half the room is not kept', 'abcdefghijkl.tar.gz', 12, 'abcdefghijkl'],
    ['3-byte characters are never split', '报告报告报告.pdf', 14, '报告报.pdf'],
    ['the cut falls inside a character: it goes', '报告报告报告.pdf', 12, '报告.pdf'],
    ['surrogate pairs stay whole', '😀😀😀😀.bin', 13, '😀😀.bin'],
    ['a long "extension" is not one', 'a.bcdefghijklmnop', 10, 'a.bcdefghi'],
    ['a name that is all extension is cut as text', '.abcdefghij', 5, '.abcd'],
    ['non-ASCII after the dot is not an extension', 'abcdef.报告报告', 10, 'abcdef.报'],
  ])('%s: fitName(%j, %i) → %j', (_, name, max, expected) => {
    const out = fitName(name, max)
    expect(out).toBe(expected)
    expect(bytes(out)).toBeLessThanOrEqual(max)
    expect(wellFormed(out)).toBe(true)
  })

  it.each<[string, string]>([
    ['250 ASCII bytes', `${'a'.repeat(246)}.bin`],
    ['82 CJK characters + .bin', `${'报'.repeat(82)}.bin`],
    ['emoji', `${'😀'.repeat(70)}.mp4`],
    ['mixed', `${'季度报告 Q3 😀 é'.repeat(30)}.xlsx`],
  ])('%s: sanitised within the budget, the extension kept', (_, name) => {
    const out = sanitizeFileName(name)
    expect(bytes(out)).toBeLessThanOrEqual(NAME_BUDGET_BYTES)
    expect(out.endsWith(name.slice(name.lastIndexOf('.')))).toBe(true)
    expect(wellFormed(out)).toBe(true)
  })
})

describe('overlongPart', () => {
  it.each<[string, string | undefined]>([
    ['out.bin', undefined],
    [`${'a'.repeat(255)}`, undefined],
    [`/tmp/${'a'.repeat(256)}`, 'a'.repeat(256)],
    [`${'d'.repeat(300)}/x.bin`, 'd'.repeat(300)],
    [`dir/${'报'.repeat(85)}`, undefined], // 255 bytes
    [`dir/${'报'.repeat(86)}.bin`, `${'报'.repeat(86)}.bin`],
    ['', undefined],
  ])('%j → %j', (path, expected) => expect(overlongPart(path)).toBe(expected))
})

describe('side files', () => {
  const dir = '/srv/dl'
  it.each<[string, string]>([
    ['a short name keeps the readable names', 'report.pdf'],
    ['the longest name with room for every suffix', 'x'.repeat(MAX_NAME_BYTES - bytes('.dtdl-part.json.tmp'))],
  ])('%s', (_, name) => {
    const target = join(dir, name)
    expect([partialPathFor(target), recordPathFor(target), lockPathFor(target)]).toEqual([
      `${target}.dtdl-part`,
      `${target}.dtdl-part.json`,
      `${target}.dtdl-lock`,
    ])
  })

  it.each<[string, string]>([
    ['one byte too long for the suffixes', 'x'.repeat(MAX_NAME_BYTES - bytes('.dtdl-part.json.tmp') + 1)],
    ['240 bytes', 'y'.repeat(240)],
    ['255 bytes, the most a name may have', 'z'.repeat(255)],
    ['80 CJK characters + .bin', `${'报'.repeat(80)}.bin`],
  ])('%s: a fixed-length digest name in the same directory', (_, name) => {
    const target = join(dir, name)
    const partial = partialPathFor(target)
    const record = recordPathFor(target)
    expect(dirname(partial)).toBe(dir)
    expect(dirname(record)).toBe(dir)
    expect(basename(partial)).toMatch(/^\.dtdl-[0-9a-f]{16}\.part$/)
    expect(basename(record)).toBe(basename(partial).replace(/\.part$/, '.json'))
    expect(lockPathFor(target)).toBe(partial.replace(/\.part$/, '.lock'))
    expect(bytes(`${basename(record)}.tmp`)).toBeLessThanOrEqual(bytes(name))
    // The same target always gets the same names (a re-run finds them); another target others.
    expect(partialPathFor(target)).toBe(partial)
    expect(partialPathFor(`${target.slice(0, -1)}_`)).not.toBe(partial)
  })

  it.each<[string, boolean]>([
    ['x.dtdl-part', true],
    ['x.dtdl-part.json', true],
    ['x.dtdl-part.json.tmp', true],
    ['.dtdl-0123456789abcdef.part', true],
    ['.dtdl-0123456789ABCDEF.json', true],
    ['.dtdl-0123456789abcdef.json.tmp', true],
    ['x.dtdl-lock', true],
    ['.dtdl-0123456789abcdef.lock', true],
    ['.dtdl-takeover', true],
    ['.dtdl-0123456789abcde.part', false],
    ['dtdl-0123456789abcdef.part', false],
    ['report.pdf', false],
  ])('isSideFileName(%j) → %s', (name, expected) => expect(isSideFileName(name)).toBe(expected))

  it('a remote file never takes a digest side-file name', () => {
    expect(cleanName('.dtdl-0123456789abcdef.part', '1')).toBe('.dtdl-0123456789abcdef.part_')
  })
})

describe('settleSiblingNames with long names', () => {
  it('names that differ only past the cut are settled as collisions, within 255 bytes', () => {
    const a = `${'报'.repeat(90)}甲.bin`
    const b = `${'报'.repeat(90)}乙.bin`
    const names = settleSiblingNames([
      { id: '2', name: b },
      { id: '1', name: a },
    ])
    const first = names.get('1')!
    const second = names.get('2')!
    expect(first).toBe(`${'报'.repeat(78)}.bin`)
    expect(second).toBe(`${'报'.repeat(78)} (2).bin`)
    expect(bytes(second)).toBeLessThanOrEqual(MAX_NAME_BYTES)
  })

  it.each<[number]>([[2], [12], [99_999]])('counter %i fits without cutting the shortened name again', (n) => {
    const clean = cleanName(`${'a'.repeat(300)}.txt`, '1')
    expect(clean).toBe(`${'a'.repeat(236)}.txt`)
    const counted = withCounter(clean, n)
    expect(counted).toBe(`${'a'.repeat(236)} (${n}).txt`)
    expect(bytes(counted)).toBeLessThanOrEqual(MAX_NAME_BYTES)
  })
})

describe('abort fan-out', () => {
  it('many waits on one signal: one real listener, each wait forgotten when it ends', async () => {
    const controller = new AbortController()
    let added = 0
    const original = controller.signal.addEventListener.bind(controller.signal)
    controller.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
      added++
      original(...args)
    }) as AbortSignal['addEventListener']
    await Promise.all(Array.from({ length: 50 }, (_, i) => sleep(1 + (i % 5), controller.signal)))
    expect(added).toBe(1)
    expect(waitingOn(controller.signal)).toBe(0)
    const pending = Array.from({ length: 20 }, () => sleep(60_000, controller.signal))
    expect(waitingOn(controller.signal)).toBe(20)
    const reason = new Error('stop')
    controller.abort(reason)
    for (const p of pending) await expect(p).rejects.toBe(reason)
    expect(added).toBe(1)
  })

  it('a forgotten waiter is not called; the others are, with the reason', () => {
    const controller = new AbortController()
    const calls: unknown[] = []
    const forget = onAbort(controller.signal, () => calls.push('forgotten'))
    onAbort(controller.signal, (r) => calls.push(r))
    onAbort(controller.signal, (r) => calls.push(r))
    forget()
    controller.abort('why')
    expect(calls).toEqual(['why', 'why'])
  })

  it('childSignal follows its parent until released', () => {
    const parent = new AbortController()
    const a = childSignal(parent.signal)
    const b = childSignal(parent.signal)
    b.release()
    parent.abort('gone')
    expect([a.signal.aborted, a.signal.reason, b.signal.aborted]).toEqual([true, 'gone', false])
    expect(childSignal(parent.signal).signal.aborted).toBe(true)
  })

  it('sleep on an aborted signal rejects at once with its reason', async () => {
    const controller = new AbortController()
    controller.abort('done')
    await expect(sleep(60_000, controller.signal)).rejects.toBe('done')
  })
})
