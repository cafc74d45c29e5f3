import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { acquireDataDirLock, DataDirLockedError } from '../../src/storage/data-dir-lock.ts'

t.test('the lock file holds our pid and goes away on release', async (t) => {
  const dir = t.testdir()
  const lock = acquireDataDirLock(dir)
  t.equal(readFileSync(lock.path, 'utf8').trim(), String(process.pid))
  lock.release()
  t.notOk(existsSync(lock.path))
})

t.test('a second open of the same data dir is refused while the first holds it', async (t) => {
  const dir = t.testdir()
  const lock = acquireDataDirLock(dir)
  t.teardown(() => lock.release())
  t.throws(() => acquireDataDirLock(dir), DataDirLockedError)
})

t.test('after release the data dir can be opened again', async (t) => {
  const dir = t.testdir()
  acquireDataDirLock(dir).release()
  const again = acquireDataDirLock(dir)
  t.ok(existsSync(again.path))
  again.release()
})

t.test('a lock left by a process that no longer exists is taken over', async (t) => {
  const dir = t.testdir()
  // pid 2^22+1 is above Linux's pid_max default ceiling: no such process
  writeFileSync(join(dir, 'pglite.lock'), `${2 ** 22 + 1}\n`)
  const lock = acquireDataDirLock(dir)
  t.equal(readFileSync(lock.path, 'utf8').trim(), String(process.pid))
  lock.release()
})

t.test('a lock held by another live process is refused and names it', async (t) => {
  const dir = t.testdir()
  writeFileSync(join(dir, 'pglite.lock'), `${process.ppid}\n`)
  const err = t.throws(() => acquireDataDirLock(dir)) as DataDirLockedError
  t.equal(err.pid, process.ppid)
})

t.test('releasing twice, or after another process took over, leaves a foreign lock alone', async (t) => {
  const dir = t.testdir()
  const lock = acquireDataDirLock(dir)
  writeFileSync(lock.path, `${process.ppid}\n`)
  lock.release()
  t.ok(existsSync(lock.path), 'not ours any more: kept')
  lock.release()
  t.ok(existsSync(lock.path))
})
