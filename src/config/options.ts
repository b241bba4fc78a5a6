// Every option of dtdl, declared once: flag, the library's name, type, range, default, environment variable, config
// key and help. The CLI's flags, the library's checks, --help, the man page and completion all come from here.

/** The keys `dtdl config` accepts (the options that have one, and the credentials); anything else is a usage error. */
export const CONFIG_KEYS = [
  'token',
  'appKey',
  'appSecret',
  'unionId',
  'userId',
  'endpoint',
  'apiQps',
  'maxApiCalls',
] as const
export type ConfigKey = (typeof CONFIG_KEYS)[number]

export type CommandName = 'get' | 'ls' | 'info' | 'versions' | 'spaces' | 'user' | 'emulator'

/** How a value is written and checked. `seconds` are seconds on the command line and milliseconds in the library. */
export type OptionKind =
  | { type: 'flag' }
  | { type: 'negatable' }
  | { type: 'text'; pattern?: RegExp; expect?: string }
  | { type: 'list' }
  | { type: 'int'; min: number; max?: number }
  | { type: 'seconds'; min: number; max?: number; whole?: boolean }
  | { type: 'rate'; min: number }

export interface OptionSpec {
  /** The library's name (and what the CLI's value is handed down as). */
  key: string
  /** As commander takes them: `-c, --connections <n>`. */
  flags: string
  kind: OptionKind
  commands: readonly CommandName[]
  /** One line for --help. */
  help: string
  /** The default, in the library's unit; absent: none (or `defaultText` says what happens). */
  default?: number | boolean | string
  /** What --help says of the default when it is not one value ("found while downloading, up to 16"). */
  defaultText?: string
  env?: string
  config?: ConfigKey
  /** Shown by the short `--help` of these commands (the rest by `dtdl help <command>`). */
  everyday?: readonly CommandName[]
  /** The CLI's alone (output, --max-time): no library option of that name. */
  cliOnly?: boolean
}

const API: readonly CommandName[] = ['get', 'ls', 'info', 'versions', 'spaces']
const ALL_API_OUTPUT: readonly CommandName[] = ['get', 'ls', 'info', 'versions', 'spaces', 'user']

/** The declaration. Order is the order of --help and the man page. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'output',
    flags: '-o, --output <path>',
    kind: { type: 'text' },
    commands: ['get'],
    everyday: ['get'],
    help: 'target file or directory (- : stdout)',
    defaultText: "the file's name, here",
  },
  {
    key: 'recursive',
    flags: '-r, --recursive',
    kind: { type: 'flag' },
    commands: ['get', 'ls'],
    everyday: ['get', 'ls'],
    help: 'a folder and everything below it',
  },
  {
    key: 'inputFile',
    flags: '-i, --input-file <path>',
    kind: { type: 'text' },
    commands: ['get'],
    everyday: ['get'],
    help: 'the files a list names, one per line (- : stdin)',
    cliOnly: true,
  },
  {
    key: 'connections',
    flags: '-c, --connections <n>',
    kind: { type: 'int', min: 1, max: 16 },
    commands: ['get'],
    everyday: ['get'],
    help: 'connections per file, fixed',
    defaultText: 'found while downloading, up to 16',
  },
  {
    key: 'jobs',
    flags: '-j, --jobs <n>',
    kind: { type: 'int', min: 1, max: 16 },
    commands: ['get'],
    everyday: ['get'],
    help: 'with -r/-i: files at a time',
    default: 4,
  },
  {
    key: 'force',
    flags: '-f, --force',
    kind: { type: 'flag' },
    commands: ['get'],
    everyday: ['get'],
    help: 'replace a target that differs from the remote',
  },
  {
    key: 'version',
    flags: '--version <n>',
    kind: { type: 'int', min: 1 },
    commands: ['get', 'info'],
    help: 'a file version (default: the current one)',
  },
  {
    key: 'preferIntranet',
    flags: '--intranet',
    kind: { type: 'negatable' },
    commands: ['get', 'info'],
    help: 'try the intranet resource URLs first when DingTalk offers them (--no-intranet: public URLs only)',
  },
  {
    key: 'sha256',
    flags: '--sha256 <hex>',
    kind: { type: 'text', pattern: /^[0-9a-fA-F]{64}$/, expect: '64 hex digits' },
    commands: ['get'],
    help: 'also check the SHA-256 of the file, also when it is already up to date',
  },
  {
    key: 'sha256File',
    flags: '--sha256-file <path>',
    kind: { type: 'text' },
    commands: ['get'],
    help: "with -r/-i: SHA-256s in sha256sum's format, paths relative to the mirror (-r) or here (-i)",
  },
  {
    key: 'include',
    flags: '--include <glob>',
    kind: { type: 'list' },
    commands: ['get'],
    help: 'with -r: fetch only files whose path matches (repeatable; * ** ?)',
  },
  {
    key: 'exclude',
    flags: '--exclude <glob>',
    kind: { type: 'list' },
    commands: ['get'],
    help: 'with -r: skip files whose path matches (repeatable)',
  },
  {
    key: 'delete',
    flags: '--delete',
    kind: { type: 'flag' },
    commands: ['get'],
    everyday: ['get'],
    help: 'with -r: remove placed files gone from the remote',
  },
  {
    key: 'dryRun',
    flags: '--dry-run',
    kind: { type: 'flag' },
    commands: ['get'],
    everyday: ['get'],
    help: 'with -r/-i: say what would be done, do nothing',
    cliOnly: true,
  },
  {
    key: 'skipExisting',
    flags: '--skip-existing',
    kind: { type: 'flag' },
    commands: ['get'],
    help: 'leave an existing target alone, unchecked (no API call when -o names the file)',
  },
  {
    key: 'createDirs',
    flags: '--create-dirs',
    kind: { type: 'flag' },
    commands: ['get'],
    help: 'create missing directories of -o and of -i lines (else a missing one is an error)',
  },
  {
    key: 'limitRate',
    flags: '--limit-rate <rate>',
    kind: { type: 'rate', min: 0 },
    commands: ['get'],
    help: 'overall speed cap in bytes per second, such as 500K or 10M (0: none)',
  },
  {
    key: 'speedLimit',
    flags: '--speed-limit <rate>',
    kind: { type: 'rate', min: 1 },
    commands: ['get'],
    help: 'stop a file that stays below this rate for --speed-time: exit 28, kept to resume (curl -Y)',
  },
  {
    key: 'speedTimeMs',
    flags: '--speed-time <seconds>',
    kind: { type: 'seconds', min: 0.001 },
    commands: ['get'],
    help: 'how long a transfer may stay below --speed-limit (curl -y)',
    default: 30_000,
  },
  {
    key: 'retries',
    flags: '--retries <n>',
    kind: { type: 'int', min: 0, max: 100 },
    commands: ['get'],
    help: 'failures in a row of a connection or an API call before giving up',
    default: 5,
  },
  {
    key: 'stallTimeoutMs',
    flags: '--stall-timeout <seconds>',
    kind: { type: 'seconds', min: 1, max: 3600, whole: true },
    commands: ['get'],
    help: 'abort and retry an answer silent this long',
    default: 30_000,
  },
  {
    key: 'connectTimeoutMs',
    flags: '--connect-timeout <seconds>',
    kind: { type: 'seconds', min: 0.001, max: 31_536_000 },
    commands: ['get'],
    help: 'give up a connection attempt after this long (it is retried)',
    default: 10_000,
  },
  {
    key: 'archiveWaitMs',
    flags: '--archive-wait <seconds>',
    kind: { type: 'seconds', min: 0, max: 86_400, whole: true },
    commands: ['get'],
    help: 'how long to wait for an archived file to be restored',
    default: 600_000,
  },
  {
    key: 'lockWaitMs',
    flags: '--lock-wait <seconds>',
    kind: { type: 'seconds', min: 0, max: 86_400, whole: true },
    commands: ['get'],
    help: 'wait this long for another dtdl writing the same target (0: fail at once)',
    default: 3_600_000,
  },
  {
    key: 'maxTimeMs',
    flags: '-m, --max-time <seconds>',
    kind: { type: 'seconds', min: 0.001, max: 31_536_000 },
    commands: ['get'],
    everyday: ['get'],
    help: 'stop after this long: exit 28, a re-run resumes',
    cliOnly: true,
  },
  {
    key: 'unionId',
    flags: '-u, --union-id <id>',
    kind: { type: 'text' },
    commands: API,
    everyday: API,
    help: "the operator's unionId",
    env: 'DINGTALK_UNION_ID',
    config: 'unionId',
  },
  {
    key: 'userId',
    flags: '--user-id <userid>',
    kind: { type: 'text' },
    commands: API,
    help: "the operator's userid, looked up once",
    env: 'DINGTALK_USER_ID',
    config: 'userId',
  },
  {
    key: 'mobile',
    flags: '--mobile <number>',
    kind: { type: 'text' },
    commands: API,
    help: "the operator's mobile number, looked up once",
  },
  {
    key: 'isUserId',
    flags: '--user-id',
    kind: { type: 'flag' },
    commands: ['user'],
    help: 'the argument is a userid, even if it looks like a mobile number',
    cliOnly: true,
  },
  {
    key: 'isMobile',
    flags: '--mobile',
    kind: { type: 'flag' },
    commands: ['user'],
    help: 'the argument is a mobile number',
    cliOnly: true,
  },
  {
    key: 'endpoint',
    flags: '--endpoint <url>',
    kind: { type: 'text' },
    commands: ALL_API_OUTPUT,
    help: 'API base URL (the user lookups use it too unless DTDL_OAPI_ENDPOINT is set)',
    env: 'DTDL_ENDPOINT',
    config: 'endpoint',
    defaultText: 'https://api.dingtalk.com',
  },
  {
    key: 'apiQps',
    flags: '--api-qps <n>',
    kind: { type: 'int', min: 0, max: 10_000 },
    commands: API,
    help: 'DingTalk API calls per second per API, for the whole run (0: no pacing)',
    default: 20,
    env: 'DTDL_API_QPS',
    config: 'apiQps',
  },
  {
    key: 'maxApiCalls',
    flags: '--max-api-calls <n>',
    kind: { type: 'int', min: 1 },
    commands: API,
    everyday: ['get'],
    help: 'at most n API calls, then exit 8; a re-run goes on',
    env: 'DTDL_MAX_API_CALLS',
    config: 'maxApiCalls',
    defaultText: 'no cap',
  },
  {
    key: 'showSecrets',
    flags: '--show-secrets',
    kind: { type: 'flag' },
    commands: ['info'],
    help: 'print the signed URLs and headers in full (they grant access for a while)',
  },
  {
    key: 'json',
    flags: '--json',
    kind: { type: 'flag' },
    commands: ALL_API_OUTPUT,
    everyday: ALL_API_OUTPUT,
    help: 'one JSON object on stdout at the end',
    cliOnly: true,
  },
  {
    key: 'quiet',
    flags: '-q, --quiet',
    kind: { type: 'flag' },
    commands: ['get'],
    everyday: ['get'],
    help: 'print only errors (with -v, also what -v adds)',
    cliOnly: true,
  },
  {
    key: 'progress',
    flags: '--no-progress',
    kind: { type: 'negatable' },
    commands: ['get'],
    help: 'no progress bar or periodic progress lines',
    cliOnly: true,
  },
  {
    key: 'verbose',
    flags: '-v, --verbose',
    kind: { type: 'flag' },
    commands: ALL_API_OUTPUT,
    everyday: ALL_API_OUTPUT,
    help: 'a line per HTTP request on stderr',
    cliOnly: true,
  },
  {
    key: 'port',
    flags: '--port <n>',
    kind: { type: 'int', min: 0, max: 65_535 },
    commands: ['emulator'],
    everyday: ['emulator'],
    help: 'port to listen on',
    default: 0,
    defaultText: 'a free one',
    cliOnly: true,
  },
  {
    key: 'file',
    flags: '--file <path...>',
    kind: { type: 'list' },
    commands: ['emulator'],
    everyday: ['emulator'],
    help: 'serve these local files besides the demo files',
    cliOnly: true,
  },
  {
    key: 'printEnv',
    flags: '--print-env',
    kind: { type: 'flag' },
    commands: ['emulator'],
    everyday: ['emulator'],
    help: 'print only the `export ...` lines on stdout (the rest on stderr), and keep running',
    cliOnly: true,
  },
  {
    key: 'background',
    flags: '--background',
    kind: { type: 'flag' },
    commands: ['emulator'],
    everyday: ['emulator'],
    help: 'start it in the background, print those lines and return: eval "$(dtdl emulator --background)"',
    cliOnly: true,
  },
]

/** Pure: the options of one command, in declaration order. */
export const optionsOf = (command: CommandName): OptionSpec[] => OPTIONS.filter((o) => o.commands.includes(command))

/** Pure: the long flag (`--stall-timeout`), how the CLI names an option in its messages. */
export const longFlag = (spec: Pick<OptionSpec, 'flags'>): string => /--[a-z0-9-]+/.exec(spec.flags)![0]

/** Pure: an option's declared default, as a number (the one place defaults are written is the table above). */
export function numberDefault(key: string): number {
  const value = specOf(key).default
  if (typeof value !== 'number') throw new Error(`option ${key} has no numeric default`)
  return value
}

/** The spec of a library name (throws for a name not declared: a programming error). */
export function specOf(key: string): OptionSpec {
  const spec = OPTIONS.find((o) => o.key === key)
  if (!spec) throw new Error(`option ${key} is not declared`)
  return spec
}
