/**
 * `npm run build:native` (and `npm install`'s postinstall): builds the direct
 * socket write addon (native/direct-write.cc) with the machine's C++ compiler.
 * Optional by design: without a compiler, or off Linux, it says why and the
 * server writes through Node's streams. `--strict` exits 1 when it cannot build.
 */
import { buildDirectWrite } from '../native/direct-write.ts'

const result = buildDirectWrite()
if ('path' in result) {
  console.log(`switchboard: direct socket writes ${result.built ? 'built' : 'up to date'}: ${result.path}`)
} else {
  console.warn(`switchboard: direct socket writes not built (${result.error}); the server will write through Node streams`)
  if (process.argv.includes('--strict')) process.exitCode = 1
}
