// Pure pieces of verifying every path: sha256sum lists matched to a batch, and which claimed bytes a partial file still
// holds.
import { describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { matchSha256List, parseSha256List } from '../../src/batch/sha256-list.js'
import { restorableRanges } from '../../src/engine/resume-record.js'
import { DtdlError } from '../../src/errors.js'

const H1 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'
const H2 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

describe('parseSha256List', () => {
  it.each<[string, string, { hex: string; path: string; line: number }[]]>([
    ['text mode', `${H1}  a.txt\n`, [{ hex: H1, path: 'a.txt', line: 1 }]],
    [
      'binary mode, upper case, spaces in the name',
      `${H1.toUpperCase()} *dir/my file.bin\n`,
      [{ hex: H1, path: 'dir/my file.bin', line: 1 }],
    ],
    ['an escaped name (backslash and newline)', `\\${H1}  a\\\\b\\nc\n`, [{ hex: H1, path: 'a\\b\nc', line: 1 }]],
    ['the BSD tag form', `SHA256 (docs/x.pdf) = ${H2}\n`, [{ hex: H2, path: 'docs/x.pdf', line: 1 }]],
    [
      'blank lines, comments, CRLF',
      `# sums\r\n\r\n${H1}  a\r\n${H2}  b\r\n`,
      [
        { hex: H1, path: 'a', line: 3 },
        { hex: H2, path: 'b', line: 4 },
      ],
    ],
    ['the same line twice counts once', `${H1}  a\n${H1}  a\n`, [{ hex: H1, path: 'a', line: 1 }]],
  ])('%s', (_name, text, expected) => expect(parseSha256List(text, 'sums')).toEqual(expected))

  it.each<[string, string, RegExp]>([
    ['a short hash', 'abc  a.txt\n', /line 1 of the --sha256-file sums/],
    ['no path', `${H1}\n`, /line 1/],
    ['one space only (not sha256sum)', `${H1} a.txt\n`, /line 1/],
    ['two hashes for one path', `${H1}  a\n${H2}  a\n`, /two SHA-256s \(lines 1 and 2\)/],
  ])('rejects %s as a usage error', (_name, text, message) => {
    let caught: unknown
    try {
      parseSha256List(text, 'sums')
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(DtdlError)
    expect((caught as DtdlError).exitCode).toBe(2)
    expect((caught as DtdlError).message).toMatch(message)
  })
})

describe('matchSha256List', () => {
  it('resolves each path against the base, like `cd base && sha256sum -c`, and returns what matched nothing', () => {
    const base = resolve('/m')
    const entries = parseSha256List(`${H1}  ./a.txt\n${H2}  sub/../b.txt\n${H1}  /m/c.txt\n${H2}  gone.txt\n`, 'sums')
    const m = matchSha256List(entries, base, [
      resolve(base, 'a.txt'),
      resolve(base, 'b.txt'),
      resolve(base, 'c.txt'),
      resolve(base, 'unlisted.txt'),
    ])
    expect([...m.byTarget.entries()].map(([t, e]) => [t, e.hex])).toEqual([
      [resolve(base, 'a.txt'), H1],
      [resolve(base, 'b.txt'), H2],
      [resolve(base, 'c.txt'), H1],
    ])
    expect(m.unmatched.map((e) => e.path)).toEqual(['gone.txt'])
  })
})

describe('restorableRanges', () => {
  it.each<[string, { start: number; end: number }[], number, number, { start: number; end: number }[]]>([
    ['an intact partial keeps every claim', [{ start: 0, end: 100 }], 100, 100, [{ start: 0, end: 100 }]],
    ['a truncated partial loses the claims past its end', [{ start: 0, end: 100 }], 100, 40, [{ start: 0, end: 40 }]],
    [
      'a claim wholly past the end is dropped',
      [
        { start: 0, end: 10 },
        { start: 50, end: 90 },
      ],
      100,
      30,
      [{ start: 0, end: 10 }],
    ],
    [
      'a sparse partial (later segments written) keeps its holes',
      [
        { start: 0, end: 10 },
        { start: 50, end: 60 },
      ],
      100,
      60,
      [
        { start: 0, end: 10 },
        { start: 50, end: 60 },
      ],
    ],
    ['nothing past the remote size', [{ start: 0, end: 200 }], 100, 200, [{ start: 0, end: 100 }]],
    ['an empty partial resumes nothing', [{ start: 0, end: 100 }], 100, 0, []],
  ])('%s', (_name, claimed, remoteSize, partialSize, expected) =>
    expect(restorableRanges(claimed, remoteSize, partialSize)).toEqual(expected),
  )
})
