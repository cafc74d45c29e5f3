import type { AdminPrincipal, AdminSession } from '@switchboard/shared'
import { createContext, createSignal, onCleanup, useContext, type JSX } from 'solid-js'
import { createApi, sessionApi, type Api } from './api.ts'

/**
 * The operator's session. The cookie (httpOnly, set by the server) is the
 * credential; this keeps only the short-lived token the server hands out, in
 * memory, and fetches a new one before it runs out. Nothing goes to storage.
 */
export type SessionStatus = 'loading' | 'anonymous' | 'authenticated' | 'unreachable'

/** A token with less life left than this is replaced (more than the socket's re-auth margin of 30 s). */
const FRESH_FOR_MS = 60_000

export function createSession() {
  const [status, setStatus] = createSignal<SessionStatus>('loading')
  const [principal, setPrincipal] = createSignal<AdminPrincipal | null>(null)
  const [testTools, setTestTools] = createSignal(false)
  const [notice, setNotice] = createSignal<string | null>(null)
  let token: { value: string; expiresAt: number } | null = null
  let inflight: Promise<string> | null = null

  function adopt(s: AdminSession): string {
    token = { value: s.token, expiresAt: Date.parse(s.tokenExpiresAt) }
    setPrincipal(s.principal)
    setTestTools(s.testToolsEnabled)
    setStatus('authenticated')
    return s.token
  }

  function signedOut(message: string | null): void {
    token = null
    setPrincipal(null)
    setNotice(message)
    setStatus('anonymous')
  }

  /** A valid token, fetching a fresh one from the cookie session when needed. Rejects when signed out. */
  function getToken(fresh = false): Promise<string> {
    if (!fresh && token && token.expiresAt - Date.now() > FRESH_FOR_MS) return Promise.resolve(token.value)
    inflight ??= sessionApi
      .get()
      .then((s) => {
        if (s === null) {
          if (status() === 'authenticated') signedOut('Your session has ended. Sign in again.')
          throw new Error('signed out')
        }
        return adopt(s)
      })
      .finally(() => {
        inflight = null
      })
    return inflight
  }

  async function restore(): Promise<void> {
    try {
      const s = await sessionApi.get()
      if (s === null) signedOut(null)
      else adopt(s)
    } catch {
      setStatus('unreachable')
    }
  }

  async function signIn(pasted: string): Promise<void> {
    await sessionApi.open(pasted.trim())
    setNotice(null)
    const s = await sessionApi.get()
    if (s === null) throw new Error('The session cookie was not kept by the browser')
    adopt(s)
  }

  async function signOut(): Promise<void> {
    await sessionApi.close().catch(() => undefined)
    signedOut(null)
  }

  const api: Api = createApi({
    token: getToken,
    unauthorized: () => signedOut('Your session has ended. Sign in again.'),
  })

  void restore()
  // A tab left open overnight: renew the token when the page becomes visible again.
  const onVisible = () => {
    if (document.visibilityState === 'visible' && status() === 'authenticated') void getToken().catch(() => undefined)
  }
  document.addEventListener('visibilitychange', onVisible)
  onCleanup(() => document.removeEventListener('visibilitychange', onVisible))

  return { status, principal, testTools, notice, getToken, signIn, signOut, retry: restore, api }
}

export type Session = ReturnType<typeof createSession>

const SessionContext = createContext<Session>()

export function SessionProvider(props: { children: JSX.Element }) {
  const session = createSession()
  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>
}

export function useSession(): Session {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside <SessionProvider>')
  return s
}
