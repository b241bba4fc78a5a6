// The tree shows the flow: imports only point down it (commands → output → tasks → batch → engine | dingtalk →
// crc64 → http/config → disk → errors), no cycles, few files loose in src/, no file too long to read.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, posix, relative } from 'node:path'
import ts from 'typescript'
import { expect, it } from 'vitest'
import { ROOT } from '../helpers.js'

const SRC = join(ROOT, 'src')

/** The rooms, from the top of the flow down; a file may import its own room or one further down. */
const LAYERS: Record<string, number> = {
  'cli.ts': 9,
  'index.ts': 9,
  commands: 8,
  // The library's calls sit beside the shell: both hand the same options to the tasks.
  library: 8,
  output: 7,
  tasks: 6,
  batch: 5,
  // Side by side: neither imports the other (the engine takes signed URLs, never the API that signs them).
  engine: 4,
  dingtalk: 4,
  crc64: 3,
  http: 2,
  config: 2,
  disk: 1,
  'errors.ts': 0,
  'redact.ts': 0,
  'abort-fanout.ts': 0,
  'each-at-once.ts': 0,
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'build' ? [] : sourceFiles(path)
    return name.endsWith('.ts') ? [path] : []
  })
}

const files = sourceFiles(SRC).map((f) => relative(SRC, f).split('\\').join('/'))
const roomOf = (file: string) => file.split('/')[0]!

/** Every relative import (static, type-only or dynamic) of a file, as paths inside src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8')
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!)
  return specs.map((s) => posix.normalize(posix.join(posix.dirname(file), s)).replace(/\.js$/, '.ts'))
}

const graph = new Map(files.map((f) => [f, importsOf(f)]))

it('names a layer for every room of src/', () => {
  const rooms = [...new Set(files.map(roomOf))].filter((r) => r !== 'emulator')
  expect(rooms.filter((r) => LAYERS[r] === undefined)).toEqual([])
})

it('has no import that runs back up the flow (the emulator stands apart: only the shell and tests start it)', () => {
  const upward: string[] = []
  for (const [file, imports] of graph) {
    const from = roomOf(file)
    for (const target of imports) {
      const to = roomOf(target)
      if (from === to) continue
      if (to === 'emulator') {
        if (!['commands', 'emulator'].includes(from)) upward.push(`${file} → ${target}`)
        continue
      }
      if (from === 'emulator') continue
      if ((LAYERS[to] ?? 99) >= (LAYERS[from] ?? -1)) upward.push(`${file} → ${target}`)
    }
  }
  expect(upward).toEqual([])
})

it('keeps the engine apart from the DingTalk API: not even a type import from src/dingtalk', () => {
  const crossing = [...graph].flatMap(([file, imports]) =>
    roomOf(file) === 'engine' ? imports.filter((t) => roomOf(t) === 'dingtalk').map((t) => `${file} → ${t}`) : [],
  )
  expect(crossing).toEqual([])
  // The rule above must be able to fail: the engine does import something below it.
  expect(
    [...graph].some(([file, imports]) => roomOf(file) === 'engine' && imports.some((t) => roomOf(t) === 'http')),
  ).toBe(true)
})

it('has no import cycle between files', () => {
  const state = new Map<string, 'open' | 'done'>()
  const cycles: string[] = []
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === 'done') return
    if (state.get(file) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '))
      return
    }
    state.set(file, 'open')
    for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...trail, file])
    state.set(file, 'done')
  }
  for (const file of graph.keys()) visit(file, [])
  expect(cycles).toEqual([])
})

it('keeps at most six files directly in src/, and every source file under ~350 lines (the option table aside)', () => {
  expect(files.filter((f) => !f.includes('/')).length).toBeLessThanOrEqual(6)
  // The option declaration is one table, read row by row (one option per object); splitting it would scatter
  // the one place every option is declared.
  const long = files.filter(
    (f) => f !== 'config/options.ts' && readFileSync(join(SRC, f), 'utf8').split('\n').length > 360,
  )
  expect(long).toEqual([])
})

it('opens every source file with a one-line header comment', () => {
  expect(files.filter((f) => !readFileSync(join(SRC, f), 'utf8').startsWith('//'))).toEqual([])
})

it("has no function over ~80 lines (the emulator's route table aside)", () => {
  const long: string[] = []
  for (const file of files.filter((f) => f !== 'emulator/api.ts')) {
    const source = ts.createSourceFile(file, readFileSync(join(SRC, file), 'utf8'), ts.ScriptTarget.ES2022, true)
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart()).line
        const last = source.getLineAndCharacterOfPosition(node.end).line
        if (last - first + 1 > 85) long.push(`${file}:${first + 1} (${last - first + 1} lines)`)
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  expect(long).toEqual([])
})
