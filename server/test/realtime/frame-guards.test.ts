import t from 'tap'
import { findForbiddenKey, jsonDepthExceeds, jsonHasNul } from '../../src/realtime/frame-guards.ts'
import { IpRateLimiter } from '../../src/realtime/ip-rate-limit.ts'
import { redactUrl } from '../../src/redact.ts'

t.test('depth is measured on the raw text, ignoring brackets inside strings', async (t) => {
  t.equal(jsonDepthExceeds('{"a":[1,[2]]}', 3), false)
  t.equal(jsonDepthExceeds('{"a":[1,[2]]}', 2), true)
  t.equal(jsonDepthExceeds('{"a":"[[[[[[[[[[\\"[[["}', 1), false)
  t.equal(jsonDepthExceeds('['.repeat(1_000_000), 32), true)
  // brackets inside strings never count, whatever the escapes before a quote
  t.equal(jsonDepthExceeds('["a\\\\", [[1]]]', 2), true, 'an escaped backslash does not escape the quote after it')
  t.equal(jsonDepthExceeds('["a\\\\", [[1]]]', 3), false)
  t.equal(jsonDepthExceeds('["a\\\\\\"[[[[", 1]', 1), false, 'an odd run of backslashes escapes the quote')
  t.equal(jsonDepthExceeds(`{"big":"${'x['.repeat(40_000)}","deep":[[[1]]]}`, 3), true, 'depth after a long string still counts')
  t.equal(jsonDepthExceeds('["unterminated [[[[', 1), false, 'an unterminated string is left to JSON.parse')
})

t.test('forbidden keys are found at any depth, in objects and arrays', async (t) => {
  t.equal(findForbiddenKey(JSON.parse('{"a":{"b":[{"__proto__":1}]}}')), '__proto__')
  t.equal(findForbiddenKey({ x: { constructor: 1 } }), 'constructor')
  t.equal(findForbiddenKey({ x: ['prototype'] }), undefined, 'values are fine')
})

t.test('the per-IP limiter counts within a window and forgets the next one', async (t) => {
  const l = new IpRateLimiter(2, 1000)
  t.equal(l.take('1.1.1.1', 0), true)
  t.equal(l.take('1.1.1.1', 10), true)
  t.equal(l.take('1.1.1.1', 20), false)
  t.equal(l.take('2.2.2.2', 20), true, 'addresses are independent')
  t.equal(l.take('1.1.1.1', 1001), true)
})

t.test('token-like query parameters are redacted from logged URLs', async (t) => {
  t.equal(redactUrl('/ws/connect?token=abc.def&x=1'), '/ws/connect?token=[REDACTED]&x=1')
  t.equal(redactUrl('/shelly?a=1&token=zzz'), '/shelly?a=1&token=[REDACTED]')
  t.equal(redactUrl('/ws/stats'), '/ws/stats')
})

t.test('a NUL is found in JSON text only where it is an escape, not an escaped backslash before "u0000"', async (t) => {
  t.equal(jsonHasNul(JSON.stringify({ a: 'x\u0000y' })), true)
  t.equal(jsonHasNul(JSON.stringify({ ['k\u0000']: 1 })), true, 'in a key')
  t.equal(jsonHasNul(JSON.stringify({ a: '\\u0000' })), false, 'a backslash, then the text u0000')
  t.equal(jsonHasNul(JSON.stringify({ a: '\\\u0000' })), true, 'a backslash, then a NUL')
  t.equal(jsonHasNul(JSON.stringify({ a: 'u0000' })), false)
  t.equal(jsonHasNul('{"a":"plain"}'), false)
})
