// What --help says besides the options: examples for every command, the notes `dtdl help <command>` adds, and the
// exit codes at the root. Plain text, wrapped by help.ts to the terminal.

export interface HelpText {
  /** Command line, and what it does. */
  examples: [string, string][]
  /** Paragraphs shown by `dtdl help <command>` only ('' = a blank line). */
  details?: string[]
  /** Lines after the examples. */
  footer?: string[]
}

/** Every exit code, as the root help lists them (errors.ts ExitCode). */
export const EXIT_CODES_LINE =
  'Exit codes: 0 ok, 1 unexpected, 2 usage, 3 auth or permission, 4 not found, 5 remote or network, 6 integrity, 7 local file system, 8 --max-api-calls reached, 28 --max-time or --speed-limit, 130 interrupted (143 on SIGTERM), 141 output pipe closed.'

const GET_DETAILS = [
  "Folders (-r): the folde r's contents go into -o <dir> (made if missing; the directory it is in must exist, unless --create-dirs); without -o, into ./<folder name>. Names from the server are made safe and nothing is written outside the directory. A sync state (<dir>/.dtdl-sync-<hex>.json) remembers what dtdl placed: a re-run skips unchanged files without any download call, fetches changed ones again, and with --delete removes files it placed that are gone from the remote. A file dtdl did not write is never replaced or removed without --force.",
  '',
  "Filters: --include/--exclude match each file's path in the mirror: * within a name, ** across folders, ? one character; a pattern without / matches at any depth. A file is taken if it matches any --include (or none is given) and no --exclude.",
  '',
  'Lists (-i): one "<spaceId> <dentryId> [output]" or "<link-or-dentryUuid> [output]" per line; blank lines and # comments are skipped. An indented "  sha256=<hex>" line below an entry gives its SHA-256. With -o <dir>, relative outputs are taken inside <dir>. A bad line is reported and the others still run.',
  '',
  "Checksums: every file is checked by size and the CRC-64 the server sends (said so when it sends none). --sha256 (one file) and --sha256-file (a batch, sha256sum's format) are checked on every path, also on a file already up to date.",
  '',
  "Batches: -j files at a time; each uses -c connections if given, else finds its count within 16 shared by the files running at once. --limit-rate caps the whole batch. A failed file does not stop the others; the exit code is the worst file's. Without a terminal, a line per file downloaded, replaced, deleted or failed, then the summary; -v names every file, unchanged ones too.",
  '',
  "API budget: calls to each DingTalk API are paced to --api-qps per second; --max-api-calls caps the run's calls (exit 8, the next run goes on). The end line and --json say what the run cost.",
  '',
  'Interrupted? Run the same command again: it resumes. The user guide has the details: docs/usage.md.',
]

export const HELP_TEXT: Record<string, HelpText> = {
  dtdl: {
    examples: [
      ['dtdl get <spaceId> <dentryId>', "save under the file's own name"],
      ['dtdl get <spaceId> <dentryId> -o big.iso -c 8', 'eight connections, resumable'],
      ['dtdl get <link>', 'by a link copied from DingTalk'],
      ['dtdl get <spaceId> <folderId> -r -o mirror/', 'a folder, cheap to run again'],
      ['dtdl spaces', 'knowledge bases, with the rootNodeId to ls or get -r'],
      ['dtdl emulator', 'try it offline against a local emulator'],
    ],
    footer: [
      'Credentials: DINGTALK_APP_KEY and DINGTALK_APP_SECRET (or DINGTALK_ACCESS_TOKEN), the operator with -u or DINGTALK_UNION_ID.',
      '',
      EXIT_CODES_LINE,
    ],
  },
  get: {
    examples: [
      ['dtdl get 123456 7890123', "the file's own name, here"],
      ['dtdl get <link> -o backups/ -c 8', 'into backups/, 8 connections'],
      ['dtdl get 123456 4455 -r -o mirror/', 'a folder into mirror/'],
      ['dtdl get -i list.txt -j 8 --json', 'a list, 8 at a time'],
      ['dtdl get 123456 7890123 -o - | tar x', 'to stdout'],
    ],
    details: GET_DETAILS,
    footer: ['Interrupted? Run the same command again: it resumes.'],
  },
  ls: {
    examples: [
      ['dtdl ls 123456', 'the space root'],
      ['dtdl ls 123456 4455 -r', "a folder's whole tree"],
      [
        'dtdl ls 123456 4455 -r --json | jq -r \'.entries[] | select(.type == "FILE") | .path\'',
        'the paths of its files',
      ],
    ],
    details: [
      'Paths are relative to the listed folder, names as the server has them (control characters shown as \\xNN; in --json, verbatim). Sizes are in bytes in --json, null for folders.',
    ],
  },
  info: {
    examples: [
      ['dtdl info 123456 7890123', 'name, size, version, region, URL hosts (secrets masked)'],
      ['dtdl info 123456 7890123 --version 2 --json', 'an older version, as JSON'],
      ['dtdl info 123456 7890123 --show-secrets', 'the signed URLs in full (they grant access for a while)'],
      ['dtdl info <link>', 'a link copied from DingTalk'],
    ],
  },
  versions: {
    examples: [
      ['dtdl versions 123456 7890123', 'every version, newest first'],
      ['dtdl versions 123456 7890123 --json', 'as JSON'],
    ],
    footer: ['Fetch one of them with: dtdl get <spaceId> <dentryId> --version <n>'],
  },
  spaces: {
    examples: [
      ['dtdl spaces', 'name, type, rootNodeId of each knowledge base'],
      ["dtdl spaces --json | jq -r '.spaces[].rootNodeId'", 'the root nodes'],
    ],
    footer: ['Then: dtdl ls <rootNodeId>, or dtdl get <rootNodeId> -r -o <dir>'],
  },
  user: {
    examples: [
      ['dtdl user manager4220', 'a userid: name, userid, unionId'],
      ['dtdl user 13800000000', 'a mobile number'],
      ['export DINGTALK_UNION_ID=$(dtdl user manager4220 --json | jq -r .unionId)', 'the operator from then on'],
    ],
  },
  config: {
    examples: [
      ['dtdl config set appKey dingxxxx', 'a setting'],
      ['dtdl config set appSecret -', 'a secret: asks without echo on a terminal, reads a pipe otherwise'],
      ['dtdl config get appKey', 'one setting'],
      ['dtdl config list', 'all of them, secrets masked'],
      ['dtdl config path', 'where the store is'],
    ],
    footer: [
      'The store lives in DTDL_CONFIG_DIR when set. Secrets (token, appSecret) are given as - only: a value on the command line is seen by other users (ps).',
    ],
  },
  'config set': {
    examples: [
      ['dtdl config set unionId 012345', 'a setting'],
      ['dtdl config set appSecret -', 'asks on a terminal, reads a pipe otherwise'],
      ['dtdl config set endpoint http://127.0.0.1:8080', 'an emulator or a proxy'],
    ],
  },
  'config get': { examples: [['dtdl config get unionId', 'one setting (secrets masked)']] },
  'config unset': { examples: [['dtdl config unset token', 'remove it']] },
  'config list': { examples: [['dtdl config list', 'all of them, secrets masked']] },
  'config path': {
    examples: [
      ['dtdl config path', 'where the store is'],
      ['DTDL_CONFIG_DIR=/tmp/ci-dtdl dtdl config path', 'elsewhere'],
    ],
  },
  emulator: {
    examples: [
      ['dtdl emulator', 'in the foreground; prints ids, credentials, an export line'],
      ['eval "$(dtdl emulator --background)"', 'in the background, this shell pointed at it'],
      ['dtdl get demo-space 10001', 'then fetch its demo file'],
      ['kill $DTDL_EMULATOR_PID', 'and stop it'],
    ],
    footer: [
      "Each --file's dentryId (30000-99999) comes from a hash of its file name: the same from run to run, whatever the order of the --file options.",
    ],
  },
  completion: {
    examples: [
      ["echo 'source <(dtdl completion bash)' >> ~/.bashrc", 'bash'],
      ["echo 'source <(dtdl completion zsh)' >> ~/.zshrc", 'zsh'],
      ['dtdl completion fish > ~/.config/fish/completions/dtdl.fish', 'fish'],
    ],
  },
}
