import { createSignal, Show } from 'solid-js'
import { ApiError } from '../api.ts'
import { Icon } from '../components/Icon.tsx'
import { useSession } from '../session.tsx'

function explain(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'TOKEN_EXPIRED') return 'That token has expired (or expires within seconds). Mint a fresh one.'
    if (err.status === 401) return 'That is not a valid token for this server.'
    if (err.status === 403) return 'That token is valid but has no admin or tenant-admin role.'
    if (err.status === 400) return 'Paste a token first.'
    return err.message
  }
  return err instanceof Error ? err.message : String(err)
}

/**
 * Sign-in: a pasted JWT is exchanged once for an httpOnly session cookie; the
 * pasted text is dropped right after and never stored by the browser.
 */
export default function Login() {
  const session = useSession()
  const [token, setToken] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)

  const submit = async (e: Event) => {
    e.preventDefault()
    if (!token().trim()) return setError('Paste a token first.')
    setBusy(true)
    setError(null)
    try {
      await session.signIn(token())
      setToken('')
    } catch (err) {
      setError(explain(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit} aria-describedby="login-help">
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          <span class="brand-name">Switchboard</span>
        </div>
        <h1>Admin console</h1>
        <p class="muted">Operators only: a token with the <code>admin</code> role sees every tenant, a tenant admin its own.</p>
        <Show when={session.notice()}>
          <p class="notice" role="status">
            {session.notice()}
          </p>
        </Show>
        <label class="field">
          <span class="field-label">Access token (JWT)</span>
          <textarea
            name="token"
            rows={5}
            value={token()}
            onInput={(e) => setToken(e.currentTarget.value)}
            placeholder="eyJhbGciOiJIUzI1NiIs…"
            autocomplete="off"
            spellcheck={false}
            autocapitalize="off"
            class="mono"
            required
            aria-invalid={error() ? 'true' : undefined}
            aria-errormessage={error() ? 'login-error' : undefined}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) void submit(e)
            }}
          />
        </label>
        <Show when={error()}>
          <p id="login-error" class="field-error" role="alert">
            <Icon name="alert" size={16} /> {error()}
          </p>
        </Show>
        <button type="submit" class="button button-primary button-block" disabled={busy()}>
          <Icon name="key" size={18} /> {busy() ? 'Signing in…' : 'Sign in'}
        </button>
        <p id="login-help" class="login-help muted">
          The token is exchanged for an httpOnly session cookie and is not kept by this page. For development, mint one with{' '}
          <code>npm run token -- --sub you --tenant hq --role admin</code>.
        </p>
      </form>
    </main>
  )
}
