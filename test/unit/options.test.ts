// The one declaration of options: the same check for the CLI's text and the library's values, defaults written
// once, the library's option names held to it, and the help drawn from it (wrapped, short and full).
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { OPTIONS, optionsOf, longFlag, numberDefault } from '../../src/config/options.js'
import { parseCliValue, parseRate, resolveOptions } from '../../src/config/option-values.js'
import { checkBatch, checkOneFile } from '../../src/config/option-rules.js'
import { formatRows, wrap } from '../../src/commands/help.js'
import { inLibraryTerms } from '../../src/library/context.js'
import { ROOT } from '../helpers.js'

const spec = (key: string) => OPTIONS.find((o) => o.key === key)!
const codeOf = (f: () => unknown) => {
  try {
    f()
    return 'ok'
  } catch (err) {
    return `${(err as { code: string }).code} ${(err as Error).message}`
  }
}

describe('one check for the command line and the library', () => {
  it.each<[string, string, unknown, string, string]>([
    [
      'connections',
      '0',
      0,
      '--connections must be an integer from 1 to 16, not "0"',
      'connections must be an integer from 1 to 16, not 0',
    ],
    [
      'connections',
      '17',
      17,
      '--connections must be an integer from 1 to 16, not "17"',
      'connections must be an integer from 1 to 16, not 17',
    ],
    [
      'connections',
      '2.5',
      2.5,
      '--connections must be an integer from 1 to 16, not "2.5"',
      'connections must be an integer from 1 to 16, not 2.5',
    ],
    ['sha256', 'xyz', 'xyz', '--sha256 must be 64 hex digits, not "xyz"', 'sha256 must be 64 hex digits, not "xyz"'],
    ['version', '0', 0, '--version must be an integer >= 1, not "0"', 'version must be an integer >= 1, not 0'],
    [
      'retries',
      '-1',
      -1,
      '--retries must be an integer from 0 to 100, not "-1"',
      'retries must be an integer from 0 to 100, not -1',
    ],
    [
      'stallTimeoutMs',
      '0',
      0,
      '--stall-timeout must be an integer from 1 to 3600, not "0"',
      'stallTimeoutMs must be a number of milliseconds from 1000 to 3600000, not 0',
    ],
    [
      'limitRate',
      'fast',
      'fast',
      '--limit-rate must be a rate such as 500K or 10M, not "fast"',
      'limitRate must be a number of bytes per second >= 0, not "fast"',
    ],
    [
      'speedLimit',
      '0',
      0,
      '--speed-limit must be a rate such as 500K or 10M, above 0, not "0"',
      'speedLimit must be a number of bytes per second >= 1, not 0',
    ],
    [
      'maxApiCalls',
      '0',
      0,
      '--max-api-calls must be an integer >= 1, not "0"',
      'maxApiCalls must be an integer >= 1, not 0',
    ],
  ])('%s: %j on the command line, %j in the library', (key, text, value, cliMessage, libraryMessage) => {
    expect(codeOf(() => parseCliValue(spec(key), text))).toBe(`BAD_OPTION ${cliMessage}`)
    expect(codeOf(() => resolveOptions('get', { [key]: value }, 'library'))).toBe(`BAD_OPTION ${libraryMessage}`)
  })

  it.each<[string, string, unknown]>([
    ['connections', '16', 16],
    ['stallTimeoutMs', '30', 30_000],
    ['connectTimeoutMs', '0.5', 500],
    ['limitRate', '0', 0],
    ['limitRate', '10M', 10 * 1024 * 1024],
    ['sha256', 'A'.repeat(64), 'A'.repeat(64)],
  ])('%s: %j reads as %j', (key, text, value) => expect(parseCliValue(spec(key), text)).toEqual(value))

  it("fills every declared default, in the library's unit, and only there", () => {
    const resolved = resolveOptions('get', {}, 'library')
    for (const o of optionsOf('get')) if (o.default !== undefined) expect(resolved[o.key], o.key).toBe(o.default)
    expect([
      numberDefault('retries'),
      numberDefault('stallTimeoutMs'),
      numberDefault('jobs'),
      numberDefault('apiQps'),
    ]).toEqual([5, 30_000, 4, 20])
    // The engine, the API client and the batch take their defaults from the declaration: no literal of their own.
    for (const file of [
      'src/engine/remote.ts',
      'src/dingtalk/api-call.ts',
      'src/dingtalk/transport.ts',
      'src/tasks/get-batch.ts',
      'src/engine/download.ts',
    ]) {
      expect(readFileSync(join(ROOT, file), 'utf8'), file).not.toMatch(/\?\? (5|4|30_000|600_000|3_?600_000)\b/)
    }
  })

  it('every flag is unique within a command, and every library name is', () => {
    for (const command of ['get', 'ls', 'info', 'versions', 'spaces', 'user', 'emulator'] as const) {
      const flags = optionsOf(command).map(longFlag)
      expect(new Set(flags).size, command).toBe(flags.length)
    }
    expect(new Set(OPTIONS.map((o) => o.key)).size).toBe(OPTIONS.length)
  })
})

describe("the rules between options, in the caller's names", () => {
  it.each<[Record<string, unknown>, 'cli' | 'library', string]>([
    [{ jobs: 4 }, 'cli', '-j, --include, --exclude, --delete and --dry-run apply to -r and -i only'],
    [{ jobs: 4, delete: true }, 'library', 'jobs and delete apply to mirrorFolder and downloadList only'],
    [{ skipExisting: true, force: true }, 'cli', '--skip-existing and --force contradict each other'],
    [{ skipExisting: true, force: true }, 'library', 'skipExisting and force contradict each other'],
    [{ sha256File: 'x' }, 'library', 'sha256File applies to mirrorFolder and downloadList'],
  ])('one file: %j (%s)', (values, from, message) =>
    expect(codeOf(() => checkOneFile(values, from))).toBe(`BAD_OPTION ${message}`),
  )

  it.each<[Record<string, unknown>, 'folder' | 'list', string]>([
    [
      { skipExisting: true },
      'folder',
      'skipExisting applies to get and -i; -r already skips files its sync state shows unchanged',
    ],
    [{ delete: true }, 'list', 'include, exclude and delete apply to mirrorFolder only'],
    [{ version: 3 }, 'folder', 'version applies to one file, not to -r or -i'],
  ])('a batch: %j (%s)', (values, kind, message) =>
    expect(codeOf(() => checkBatch(values, 'library', kind))).toBe(`BAD_OPTION ${message}`),
  )
})

describe('the library speaks its own names', () => {
  it.each<[string, string]>([
    ['check the unionId (-u) or share the file', 'check the unionId (unionId) or share the file'],
    ['pass --force to replace it, or choose another -o', 'pass force: true to replace it, or choose another output'],
    ['wait longer with --lock-wait <s>', 'wait longer with lockWaitMs <s>'],
    ['check the dentryId (the second argument) and --version', 'check the dentryId (dentryId) and version'],
    ['lower -j (files at a time) or -c (connections)', 'lower jobs (files at a time) or connections (connections)'],
    ['the file --json names stays', 'the file --json names stays'],
  ])('%j → %j', (cli, library) => expect(inLibraryTerms(cli)).toBe(library))
})

describe("the library's option types are the declaration's", () => {
  /** The property names of an interface in src/library/types.ts, its own and inherited. */
  function members(name: string): Set<string> {
    const file = join(ROOT, 'src/library/types.ts')
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
    const out = new Set<string>()
    const visit = (wanted: string) =>
      source.forEachChild((node) => {
        if (!ts.isInterfaceDeclaration(node) || node.name.text !== wanted) return
        for (const m of node.members) if (m.name && ts.isIdentifier(m.name)) out.add(m.name.text)
        for (const clause of node.heritageClauses ?? [])
          for (const t of clause.types) visit(t.expression.getText(source))
      })
    visit(name)
    return out
  }
  const libraryKeys = (command: 'get') =>
    optionsOf(command)
      .filter((o) => !o.cliOnly)
      .map((o) => o.key)
  const notOptions = new Set([
    'token',
    'appKey',
    'appSecret',
    'env',
    'signal',
    'onEvent',
    'spaceId',
    'dentryId',
    'link',
    'files',
  ])

  it.each<[string, (k: string) => boolean]>([
    ['DownloadOptions', (k) => !['jobs', 'include', 'exclude', 'delete', 'sha256File', 'recursive'].includes(k)],
    ['MirrorOptions', (k) => !['version', 'sha256', 'skipExisting', 'recursive'].includes(k)],
    ['ListOptions', (k) => !['version', 'sha256', 'include', 'exclude', 'delete', 'recursive'].includes(k)],
  ])('%s has exactly the declared options that apply to it', (name, applies) => {
    const declared = libraryKeys('get').filter(applies).sort()
    const typed = [...members(name)].filter((k) => !notOptions.has(k)).sort()
    expect(typed).toEqual(declared)
  })
})

describe('help that fits', () => {
  it.each<[number]>([[80], [50], [40]])('wraps at %d columns, keeping words whole', (width) => {
    const rows: [string, string][] = [
      ['-o, --output <path>', "target file or directory (- : stdout) (default: the file's name, here)"],
      ['--max-api-calls <n>', 'at most n API calls, then exit 8; a re-run goes on (default: no cap)'],
    ]
    const lines = formatRows(rows, width)
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(width)
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain('at most n API calls, then exit 8; a re-run goes on')
  })
  it('wrap never breaks a word', () => expect(wrap('aaaa bbbb cccc', 9)).toEqual(['aaaa bbbb', 'cccc']))
  it('rates', () =>
    expect([parseRate('1.5M'), parseRate('20K'), parseRate('x')]).toEqual([1.5 * 1024 * 1024, 20 * 1024, undefined]))
})
