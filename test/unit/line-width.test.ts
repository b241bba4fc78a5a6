// Lines fit 120 columns. Prettier (checked by `npm test`) breaks code, but not comments or strings: a comment
// over the margin is wrapped by hand, and only strings (a message, a help text) may carry a line past it.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { expect, it } from 'vitest'
import { ROOT } from '../helpers.js'

const WIDTH = 120
const FOLDERS = ['src', 'test', 'scripts', 'bin']
const CODE = /\.(ts|mjs|cjs|js)$/

function codeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (name === 'node_modules' || name === 'build') return []
    return statSync(path).isDirectory() ? codeFiles(path) : CODE.test(name) ? [path] : []
  })
}

const STRINGS = new Set([
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateExpression,
  ts.SyntaxKind.RegularExpressionLiteral,
])

/** Pure: the spans [start, end) of the outermost strings, templates and regular expressions of `source`. */
function stringSpans(source: ts.SourceFile): [number, number][] {
  const spans: [number, number][] = []
  const visit = (node: ts.Node) => {
    if (STRINGS.has(node.kind)) spans.push([node.getStart(source), node.getEnd()])
    else node.getChildren(source).forEach(visit)
  }
  visit(source)
  return spans
}

/** The lines of a file wider than the margin that would still be wider without their strings. */
export function overWidth(text: string, fileName: string): number[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS)
  const spans = stringSpans(source)
  const starts = source.getLineStarts()
  const long: number[] = []
  text.split('\n').forEach((line, i) => {
    if (line.length <= WIDTH) return
    const [from, to] = [starts[i]!, starts[i]! + line.length]
    const inStrings = spans.reduce((n, [a, b]) => n + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0)
    if (line.length - inStrings > WIDTH) long.push(i + 1)
  })
  return long
}

it.each([
  ['a comment over the margin', `// ${'word '.repeat(30)}\nconst a = 1\n`, [1]],
  ['a trailing comment', `const a = 1 // ${'word '.repeat(30)}\n`, [1]],
  ['code over the margin', `const a = [${'1, '.repeat(50)}]\n`, [1]],
  ['a string over the margin', `const a = '${'word '.repeat(30)}'\n`, []],
  ['a string that ends at the margin, its comma past it', `  f(\n    '${'w'.repeat(114)}',\n  )\n`, []],
  ['a string beside code that alone is too wide', `const a = [${'1, '.repeat(40)}'${'w'.repeat(20)}']\n`, [1]],
  ['a template over the margin', 'const a = `${1}' + 'word '.repeat(30) + '`\n', []],
  ['a line within it', 'const a = 1\n', []],
])('finds %s', (_what, text, expected) => {
  expect(overWidth(text, 'x.ts')).toEqual(expected)
})

it(`keeps every line of the code within ${WIDTH} columns, strings aside`, () => {
  const long = FOLDERS.flatMap((folder) => codeFiles(join(ROOT, folder))).flatMap((file) =>
    overWidth(readFileSync(file, 'utf8'), file).map((line) => `${relative(ROOT, file)}:${line}`),
  )
  expect(long).toEqual([])
})
