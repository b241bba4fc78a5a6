// Commander's messages turned into one `dtdl:` line, and which command's help the hint names.
import { describe, expect, it } from 'vitest'
import { formatParseError, helpCommandFor } from '../../src/commands/parse-errors.js'

describe('formatParseError', () => {
  it.each([
    [
      "error: unknown option '--conections'\n(Did you mean --connections?)",
      'dtdl get',
      'dtdl: unknown option --conections (did you mean --connections?)',
    ],
    ["error: unknown option '--bogus'", 'dtdl get', 'dtdl: unknown option --bogus (hint: see dtdl get --help)'],
    ["error: unknown command 'fetch'", 'dtdl', 'dtdl: unknown command fetch (hint: see dtdl --help)'],
    ["error: unknown command 'lss'\n(Did you mean ls?)", 'dtdl', 'dtdl: unknown command lss (did you mean ls?)'],
    [
      "error: missing required argument 'spaceId'",
      'dtdl ls',
      'dtdl: missing argument <spaceId> (hint: see dtdl ls --help)',
    ],
    [
      "error: option '-o, --output <path>' argument missing",
      'dtdl get',
      'dtdl: option -o, --output <path> needs a value (hint: see dtdl get --help)',
    ],
    [
      "error: too many arguments for 'ls'. Expected 2 arguments but got 3.",
      'dtdl ls',
      'dtdl: too many arguments for ls: expected at most 2, got 3 (hint: see dtdl ls --help)',
    ],
    [
      "error: command-argument value 'x' is invalid for argument 'key'. Allowed choices are a, b.",
      'dtdl config set',
      'dtdl: "x" is not a valid <key>: choose one of a, b (hint: see dtdl config set --help)',
    ],
    ['error: something new\nsecond line', 'dtdl', 'dtdl: something new second line (hint: see dtdl --help)'],
  ])('%j → one line', (message, help, expected) => {
    expect(formatParseError(message, help)).toBe(expected)
  })
})

describe('helpCommandFor', () => {
  const commands = new Map([
    ['get', []],
    ['config', ['set', 'get']],
  ])
  it.each([
    [['get', '--x'], 'dtdl get'],
    [['config', 'set'], 'dtdl config set'],
    [['config', 'frob'], 'dtdl config'],
    [['frob'], 'dtdl'],
    [['--bogus'], 'dtdl'],
  ])('%j → %s', (args, expected) => {
    expect(helpCommandFor(args, commands)).toBe(expected)
  })
})
