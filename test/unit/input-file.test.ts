// Parsing `get -i` input files: fields, comments, quotes, and bad lines reported by number.
import { describe, expect, it } from 'vitest'
import { parseInputFile } from '../../src/batch/input-file.js'

describe('parseInputFile', () => {
  it.each<[string, string, ReturnType<typeof parseInputFile>]>([
    ['two fields', 's1 d1', { entries: [{ line: 1, spaceId: 's1', dentryId: 'd1' }], errors: [] }],
    ['an output', 's1 d1 out.bin', { entries: [{ line: 1, spaceId: 's1', dentryId: 'd1', output: 'out.bin' }], errors: [] }],
    ['the rest of the line is the output, spaces included', 's1\td1   my  file.txt  ', { entries: [{ line: 1, spaceId: 's1', dentryId: 'd1', output: 'my  file.txt' }], errors: [] }],
    ['quotes are removed', 's1 d1 " padded "', { entries: [{ line: 1, spaceId: 's1', dentryId: 'd1', output: ' padded ' }], errors: [] }],
    ['blank lines and comments are skipped; numbers count every line', '\n# c\n   \n  # indented\ns d\n', { entries: [{ line: 5, spaceId: 's', dentryId: 'd' }], errors: [] }],
    ['CRLF and a BOM', '\uFEFFs1 d1\r\ns2 d2 o\r\n', { entries: [{ line: 1, spaceId: 's1', dentryId: 'd1' }, { line: 2, spaceId: 's2', dentryId: 'd2', output: 'o' }], errors: [] }],
    ['a # inside an output is kept', 's d a#b', { entries: [{ line: 1, spaceId: 's', dentryId: 'd', output: 'a#b' }], errors: [] }],
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
})
