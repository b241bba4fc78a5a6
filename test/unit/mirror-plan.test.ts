// Pure planning for folder mirrors and batches: name cleaning and collisions, globs, exit codes, connection budget.
import { describe, expect, it } from 'vitest'
import {
  cleanName,
  compareIds,
  compileFilters,
  globToRegExp,
  planMirror,
  settleSiblingNames,
  withCounter,
  type RemoteNode,
} from '../../src/batch/mirror-plan.js'
import { connectionsPerFile } from '../../src/batch/runner.js'
import { worstExitCode } from '../../src/batch/results.js'
import type { ExitCodeValue } from '../../src/errors.js'

describe('compareIds', () => {
  it.each<[string, string, number]>([
    ['9', '10', -1],
    ['10', '9', 1],
    ['007', '8', -1],
    ['010', '9', 1],
    ['abc', 'abd', -1],
    ['5', '5', 0],
  ])('%s vs %s → %i', (a, b, sign) => expect(Math.sign(compareIds(a, b))).toBe(sign))
})

describe('cleanName and withCounter', () => {
  it.each<[string, string]>([
    ['../x', '.._x'],
    ['/etc/x', '_etc_x'],
    ['a\u0001b', 'ab'],
    ['CON', '_CON'],
    ['a/b', 'a_b'],
    ['..', '42'], // nothing left: the id stands in
    ['x.dtdl-part', 'x.dtdl-part_'], // never one of dtdl's own partial-file names
    ['x.DTDL-PART.json', 'x.DTDL-PART.json_'],
    ['x.dtdl-part.json.tmp', 'x.dtdl-part.json.tmp_'],
  ])('cleanName(%j) → %j', (name, out) => expect(cleanName(name, '42')).toBe(out))

  it.each<[string, number, string]>([
    ['report.txt', 2, 'report (2).txt'],
    ['archive.tar.gz', 3, 'archive.tar (3).gz'],
    ['.bashrc', 2, '.bashrc (2)'],
    ['README', 2, 'README (2)'],
  ])('withCounter(%j, %i) → %j', (name, n, out) => expect(withCounter(name, n)).toBe(out))

  it('keeps a counted name within 255 bytes', () => {
    const long = `${'é'.repeat(125)}.txt` // 254 bytes
    const out = withCounter(long, 2)
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(255)
    expect(out.endsWith(' (2).txt')).toBe(true)
  })
})

describe('settleSiblingNames', () => {
  const settle = (list: [string, string][]) =>
    Object.fromEntries(settleSiblingNames(list.map(([id, name]) => ({ id, name }))))
  it.each<[string, [string, string][], Record<string, string>]>([
    [
      'unique names stay',
      [
        ['1', 'a'],
        ['2', 'b'],
      ],
      { '1': 'a', '2': 'b' },
    ],
    [
      'case-only twins: lower id keeps the name',
      [
        ['206', 'report.txt'],
        ['205', 'Report.txt'],
      ],
      { '205': 'Report.txt', '206': 'report (2).txt' },
    ],
    [
      'cleaning makes twins',
      [
        ['7', 'a/b'],
        ['3', 'a_b'],
        ['9', 'a\\b'],
      ],
      { '3': 'a_b', '7': 'a_b (2)', '9': 'a_b (3)' },
    ],
    [
      'a natural "(2)" name keeps it; the twin counts on',
      [
        ['1', 'x.txt'],
        ['2', 'x.txt'],
        ['3', 'x (2).txt'],
      ],
      { '1': 'x.txt', '3': 'x (2).txt', '2': 'x (3).txt' },
    ],
    [
      'numeric order, not text order',
      [
        ['10', 'f'],
        ['9', 'f'],
      ],
      { '9': 'f', '10': 'f (2)' },
    ],
  ])('%s', (_name, list, expected) => expect(settle(list)).toEqual(expected))

  it('does not depend on the listing order', () => {
    const a = settle([
      ['1', 'A'],
      ['2', 'a'],
      ['3', 'a'],
    ])
    const b = settle([
      ['3', 'a'],
      ['1', 'A'],
      ['2', 'a'],
    ])
    expect(a).toEqual(b)
  })
})

describe('globToRegExp', () => {
  it.each<[string, string, boolean]>([
    ['*.txt', 'a.txt', true],
    ['*.txt', 'sub/deep/a.txt', true], // no "/": any depth
    ['*.txt', 'a.txt.bak', false],
    ['/*.txt', 'a.txt', true], // leading "/": top level only
    ['/*.txt', 'sub/a.txt', false],
    ['sub/*.txt', 'sub/a.txt', true],
    ['sub/*.txt', 'sub/deep/a.txt', false], // * stays within a segment
    ['sub/**/*.txt', 'sub/a.txt', true], // **/ may be no folder at all
    ['sub/**/*.txt', 'sub/x/y/a.txt', true],
    ['sub/**', 'sub/x/y/a.txt', true],
    ['**', 'anything/at/all', true],
    ['?.md', 'a.md', true],
    ['?.md', 'ab.md', false],
    ['a+b(1).txt', 'a+b(1).txt', true], // regex characters are literal
    ['a.txt', 'abtxt', false],
    ['sub/', 'sub/a/b.txt', true], // trailing "/": everything under it
  ])('%j matches %j: %s', (pattern, path, expected) => expect(globToRegExp(pattern).test(path)).toBe(expected))

  it('refuses an empty pattern', () => expect(() => globToRegExp(' ')).toThrow(/empty/))
})

describe('compileFilters', () => {
  const paths = ['a.txt', 'b.bin', 'sub1/c.txt', 'sub1/deep/d.bin', 'sub2/e.txt', 'tmp/x.txt']
  it.each<[string, string[], string[], string[]]>([
    ['no filters: everything', [], [], paths],
    ['include by extension at any depth', ['*.txt'], [], ['a.txt', 'sub1/c.txt', 'sub2/e.txt', 'tmp/x.txt']],
    [
      'exclude a folder by name drops all of it',
      [],
      ['tmp'],
      ['a.txt', 'b.bin', 'sub1/c.txt', 'sub1/deep/d.bin', 'sub2/e.txt'],
    ],
    ['include a folder, exclude a type in it', ['sub1'], ['*.bin'], ['sub1/c.txt']],
    ['several includes are ORed', ['/a.txt', 'sub2/**'], [], ['a.txt', 'sub2/e.txt']],
    ['exclude wins over include', ['*.txt'], ['sub*/**'], ['a.txt', 'tmp/x.txt']],
  ])('%s', (_name, include, exclude, expected) => {
    const accept = compileFilters({ include, exclude })
    expect(paths.filter(accept)).toEqual(expected)
  })
})

describe('planMirror', () => {
  const nodes: RemoteNode[] = [
    { id: '110', parentId: '100', name: 'sub', isFolder: true },
    { id: '101', parentId: '100', name: 'b.txt', isFolder: false, size: 2 },
    { id: '112', parentId: '100', name: 'SUB', isFolder: false, size: 3 }, // collides with the folder "sub", a lower id
    { id: '111', parentId: '110', name: '../../escape', isFolder: false, size: 4 },
    { id: '120', parentId: '110', name: 'empty', isFolder: true },
    { id: '999', parentId: 'elsewhere', name: 'orphan', isFolder: false, size: 1 },
  ]
  it('settles names per folder across files and folders, and lists folders parents first', () => {
    const plan = planMirror('100', nodes)
    expect(plan.files).toEqual([
      { id: '112', relPath: 'SUB (2)', size: 3 },
      { id: '101', relPath: 'b.txt', size: 2 },
      { id: '111', relPath: 'sub/.._.._escape', size: 4 },
    ])
    expect(plan.folders).toEqual([
      { id: '110', relPath: 'sub' },
      { id: '120', relPath: 'sub/empty' },
    ])
    expect(plan.excluded).toBe(0)
  })

  it('filters files by their cleaned path and counts the rest', () => {
    const plan = planMirror('100', nodes, { include: ['sub/**'], exclude: [] })
    expect(plan.files.map((f) => f.relPath)).toEqual(['sub/.._.._escape'])
    expect(plan.excluded).toBe(2)
  })

  it('never follows a folder that contains itself', () => {
    const loop: RemoteNode[] = [
      { id: '1', parentId: '0', name: 'a', isFolder: true },
      { id: '0', parentId: '1', name: 'back', isFolder: true },
    ]
    expect(planMirror('0', loop).folders).toEqual([{ id: '1', relPath: 'a' }])
  })
})

describe('batch decisions', () => {
  it.each<[ExitCodeValue[], number]>([
    [[], 0],
    [[0, 0], 0],
    [[2, 4], 4],
    [[4, 3], 3],
    [[3, 5], 5],
    [[5, 7], 7],
    [[7, 6, 2], 6],
    [[1, 2], 2],
    [[1, 0], 1],
    [[6, 130], 130],
  ])('worst of %j → %i', (codes, expected) => expect(worstExitCode(codes)).toBe(expected))

  it.each<[string, Parameters<typeof connectionsPerFile>[0], number]>([
    ['-c wins, even past the budget', { jobs: 8, files: 100, requested: 6, size: 1e9 }, 6],
    ['4 jobs share 16', { jobs: 4, files: 100, size: 1e9 }, 4],
    ['16 jobs: one each', { jobs: 16, files: 100, size: 1e9 }, 1],
    ['3 jobs: floor(16 / 3)', { jobs: 3, files: 100, size: 1e9 }, 5],
    ['one job: the whole budget, to be found', { jobs: 1, files: 100, size: 1e9 }, 16],
    ['2 jobs: 8 each', { jobs: 2, files: 100, size: 1e9 }, 8],
    ['fewer files than jobs share among the files', { jobs: 8, files: 2, size: 1e9 }, 8],
    ['a small file needs one', { jobs: 4, files: 100, size: 1000 }, 1],
    ['unknown size: the cap', { jobs: 4, files: 100 }, 4],
  ])('%s', (_name, input, expected) => expect(connectionsPerFile(input)).toBe(expected))
})
