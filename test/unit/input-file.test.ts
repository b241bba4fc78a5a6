// Parsing `get -i` input files: fields, comments, quotes, and bad lines reported by number.
import { describe, expect, it } from 'vitest'
import { parseInputFile } from '../../src/batch/input-file.js'

describe('parseInputFile', () => {
  it.each<[string, string, ReturnType<typeof parseInputFile>]>([
    ['two fields', 's1 d1', { entries: [{ line: 1, spaceId: 's1', dentryId: 'd1' }], errors: [] }],
    [
      'an output',
      's1 d1 out.bin',
      { entries: [{ line: 1, spaceId: 's1', dentryId: 'd1', output: 'out.bin' }], errors: [] },
    ],
    [
      'the rest of the line is the output, spaces included',
      's1\td1   my  file.txt  ',
      { entries: [{ line: 1, spaceId: 's1', dentryId: 'd1', output: 'my  file.txt' }], errors: [] },
    ],
    [
      'quotes are removed',
      's1 d1 " padded "',
      { entries: [{ line: 1, spaceId: 's1', dentryId: 'd1', output: ' padded ' }], errors: [] },
    ],
    [
      'blank lines and comments are skipped; numbers count every line',
      '\n# c\n   \n  # indented\ns d\n',
      { entries: [{ line: 5, spaceId: 's', dentryId: 'd' }], errors: [] },
    ],
    [
      'CRLF and a BOM',
      '\uFEFFs1 d1\r\ns2 d2 o\r\n',
      {
        entries: [
          { line: 1, spaceId: 's1', dentryId: 'd1' },
          { line: 2, spaceId: 's2', dentryId: 'd2', output: 'o' },
        ],
        errors: [],
      },
    ],
    [
      'a # inside an output is kept',
      's d a#b',
      { entries: [{ line: 1, spaceId: 's', dentryId: 'd', output: 'a#b' }], errors: [] },
    ],
    [
      'an indented sha256= line gives the entry above its SHA-256 (lower-cased)',
      's d o\n  sha256=9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n',
      {
        entries: [
          {
            line: 1,
            spaceId: 's',
            dentryId: 'd',
            output: 'o',
            sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
            sha256Line: 2,
          },
        ],
        errors: [],
      },
    ],
    [
      'blank lines may come between an entry and its option',
      's d\n\n  sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n',
      {
        entries: [
          {
            line: 1,
            spaceId: 's',
            dentryId: 'd',
            sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
            sha256Line: 3,
          },
        ],
        errors: [],
      },
    ],
    [
      'a comment may come between an entry and its option',
      's d\n# hash:\n\tsha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n',
      {
        entries: [
          {
            line: 1,
            spaceId: 's',
            dentryId: 'd',
            sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
            sha256Line: 3,
          },
        ],
        errors: [],
      },
    ],
    [
      'an indented entry is still an entry',
      '  s d\n',
      { entries: [{ line: 1, spaceId: 's', dentryId: 'd' }], errors: [] },
    ],
  ])('%s', (_name, text, expected) => expect(parseInputFile(text)).toEqual(expected))

  it.each<[string, string, RegExp]>([
    ['one field', 'lonely', /one field "lonely"/],
    ['an unclosed quote', 's d "abc', /no closing quote/],
    ['an empty quoted output', 's d ""', /empty/],
    ['a control character', 's d a\u0001b', /control character/],
  ])('reports %s with its line number and keeps the good lines', (_name, bad, message) => {
    const r = parseInputFile(`s1 d1\n${bad}\ns2 d2\n`)
    expect(r.entries.map((e) => e.line)).toEqual([1, 3])
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]!.line).toBe(2)
    expect(r.errors[0]!.message).toMatch(message)
  })

  it.each<[string, string, RegExp]>([
    [
      'a hash that is not 64 hex digits',
      's1 d1\n  sha256=abc\ns2 d2\n',
      /^sha256 must be 64 hex digits; the file on line 1 is not fetched$/,
    ],
    ['an unknown option', 's1 d1\n  out=x\ns2 d2\n', /unknown option "out".*line 1 is not fetched/],
    [
      'a second sha256',
      's1 d1\n  sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n  sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\ns2 d2\n',
      /second sha256.*line 2/,
    ],
  ])('%s fails the entry it belongs to, not the others', (_name, text, message) => {
    const r = parseInputFile(text)
    expect(r.entries.map((e) => e.spaceId)).toEqual(['s2'])
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]!.message).toMatch(message)
  })

  it('an option line above every entry belongs to none: reported, the entry below runs unchanged', () => {
    const r = parseInputFile('  sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\ns d\n')
    expect(r.errors).toEqual([
      { line: 1, message: 'an indented key=value line must come below the entry it belongs to' },
    ])
    expect(r.entries).toEqual([{ line: 2, spaceId: 's', dentryId: 'd' }])
  })

  it('options of a bad line fail with it, reported once', () => {
    const r = parseInputFile('lonely\n  sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\ns d\n')
    expect(r.errors.map((e) => e.line)).toEqual([1])
    expect(r.entries).toEqual([{ line: 3, spaceId: 's', dentryId: 'd' }])
  })
})
