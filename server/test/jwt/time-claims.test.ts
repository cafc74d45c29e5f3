import t from 'tap'
import { timeClaimsProblem } from '../../src/jwt/time-claims.ts'

const NOW = 1_800_000_000_000
const LEEWAY = 30_000
const problem = (claims: Record<string, unknown>) => timeClaimsProblem(claims, NOW, LEEWAY)

t.test('time claims a Date can hold pass; beyond its range, either way, they are refused', async (t) => {
  t.equal(problem({}), undefined, 'no time claims at all')
  t.equal(problem({ exp: 8.64e12, nbf: -8.64e12, iat: NOW / 1000 }), undefined, 'the very edges of the Date range')
  for (const claim of ['exp', 'nbf', 'iat']) {
    for (const value of [1e17, -1e17, 8.64e12 + 1, Infinity, -Infinity, NaN]) {
      t.equal(problem({ [claim]: value }), `Token ${claim} is out of range`, `${claim}: ${value}`)
    }
  }
  t.equal(problem({ exp: 'soon' }), undefined, 'a claim of another type is the verifiers\' to refuse')
})

t.test('iat later than now plus the leeway is refused', async (t) => {
  t.equal(problem({ iat: (NOW + LEEWAY) / 1000 }), undefined, 'at the edge of the leeway')
  t.equal(problem({ iat: (NOW + LEEWAY + 1000) / 1000 }), 'Token is issued in the future (iat)')
  t.equal(problem({ iat: NOW / 1000 + 315_360_000 }), 'Token is issued in the future (iat)', 'ten years ahead')
  t.equal(problem({ iat: 0 }), undefined, 'any past iat is fine here (expiry is exp\'s job)')
})
