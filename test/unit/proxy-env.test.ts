// Which proxy undici uses for a URL, and the error line that names it.
import { describe, expect, it } from 'vitest'
import { describeUnreachable, proxyFor } from '../../src/http/proxy-env.js'

describe('proxyFor', () => {
  it.each<[string, string, Record<string, string>, ReturnType<typeof proxyFor>]>([
    ['no proxy set', 'https://api.dingtalk.com', {}, undefined],
    [
      'https takes HTTPS_PROXY',
      'https://api.dingtalk.com',
      { HTTPS_PROXY: 'http://p:3128', HTTP_PROXY: 'http://q:3128' },
      { proxy: 'http://p:3128', variable: 'HTTPS_PROXY' },
    ],
    [
      'lower case wins, as in undici',
      'https://api.dingtalk.com',
      { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:1' },
      { proxy: 'http://lower:1', variable: 'https_proxy' },
    ],
    [
      'https falls back to HTTP_PROXY',
      'https://api.dingtalk.com',
      { HTTP_PROXY: 'http://q:3128' },
      { proxy: 'http://q:3128', variable: 'HTTP_PROXY' },
    ],
    ['http never takes HTTPS_PROXY', 'http://127.0.0.1:8080', { HTTPS_PROXY: 'http://p:3128' }, undefined],
    [
      'http takes HTTP_PROXY',
      'http://127.0.0.1:8080',
      { HTTP_PROXY: 'http://127.0.0.1:9' },
      { proxy: 'http://127.0.0.1:9', variable: 'HTTP_PROXY' },
    ],
    [
      'user:password never shown',
      'http://h',
      { HTTP_PROXY: 'http://me:pw@proxy:8' },
      { proxy: 'http://proxy:8', variable: 'HTTP_PROXY' },
    ],
    [
      'NO_PROXY host',
      'https://api.dingtalk.com',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'api.dingtalk.com' },
      undefined,
    ],
    [
      'NO_PROXY domain covers subdomains',
      'https://api.dingtalk.com',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.dingtalk.com' },
      undefined,
    ],
    [
      'NO_PROXY other port does not match',
      'http://h:8080',
      { HTTP_PROXY: 'http://p:1', NO_PROXY: 'h:9090' },
      { proxy: 'http://p:1', variable: 'HTTP_PROXY' },
    ],
    ['NO_PROXY *', 'http://h', { HTTP_PROXY: 'http://p:1', NO_PROXY: '*' }, undefined],
  ])('%s', (_what, url, env, expected) => {
    expect(proxyFor(url, env)).toEqual(expected)
  })
})

describe('describeUnreachable', () => {
  it.each<[string, string, Record<string, string>, string, string]>([
    ['direct', 'ECONNREFUSED', {}, 'cannot reach http://127.0.0.1:8080: ECONNREFUSED', 'no proxy is set'],
    [
      'the proxy refused',
      'ECONNREFUSED',
      { HTTP_PROXY: 'http://127.0.0.1:9' },
      'cannot reach the proxy http://127.0.0.1:9 (from HTTP_PROXY) for http://127.0.0.1:8080: ECONNREFUSED',
      'unset HTTP_PROXY',
    ],
    [
      'through the proxy',
      'UND_ERR_ABORTED',
      { HTTP_PROXY: 'http://127.0.0.1:9' },
      'cannot reach http://127.0.0.1:8080 through the proxy http://127.0.0.1:9 (from HTTP_PROXY): UND_ERR_ABORTED',
      'NO_PROXY',
    ],
  ])('%s', (_what, code, env, message, hint) => {
    const d = describeUnreachable('http://127.0.0.1:8080/v1.0/x?secret=1', code, env)
    expect(d.message).toBe(message)
    expect(d.hint).toContain(hint)
  })
})
