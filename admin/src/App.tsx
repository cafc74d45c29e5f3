import { Router, type RouteSectionProps } from '@solidjs/router'
import { ErrorBoundary, Match, Suspense, Switch } from 'solid-js'
import { Icon } from './components/Icon.tsx'
import { LinkPill } from './components/LinkPill.tsx'
import { NavLinks } from './components/Nav.tsx'
import { ReconnectBanner } from './components/ReconnectBanner.tsx'
import { ErrorState, Skeleton } from './components/States.tsx'
import Login from './pages/Login.tsx'
import { RealtimeProvider } from './realtime.tsx'
import { routes } from './routes.ts'
import { useSession } from './session.tsx'
import { useUi } from './ui.tsx'

/**
 * Signed out: the sign-in page, whatever the URL (the URL is kept, so the
 * operator lands where they meant to after signing in). Signed in: one
 * realtime connection, then the router with the shell around every page.
 */
export function App() {
  const session = useSession()
  return (
    <Switch>
      <Match when={session.status() === 'loading'}>
        <div class="splash" aria-busy="true">
          <span class="brand-mark" aria-hidden="true" />
          Loading…
        </div>
      </Match>
      <Match when={session.status() === 'unreachable'}>
        <main class="center-page">
          <ErrorState title="The server is not answering" error={new Error('The admin session could not be checked.')} onRetry={() => void session.retry()} />
        </main>
      </Match>
      <Match when={session.status() === 'anonymous'}>
        <Login />
      </Match>
      <Match when={session.status() === 'authenticated'}>
        <RealtimeProvider>
          <Router base="/admin" root={Shell}>
            {routes}
          </Router>
        </RealtimeProvider>
      </Match>
    </Switch>
  )
}

function Shell(props: RouteSectionProps) {
  const session = useSession()
  const { theme } = useUi()
  const who = () => session.principal()
  const role = () => (who()?.isAdmin ? 'admin · all tenants' : `tenant admin · ${who()?.tenant ?? ''}`)
  return (
    <div class="app">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <ReconnectBanner />
      <div class="layout">
        <aside class="sidebar">
          <div class="brand">
            <span class="brand-mark" aria-hidden="true" />
            <span class="brand-name">Switchboard</span>
          </div>
          <NavLinks class="nav" />
          <div class="sidebar-foot">
            <LinkPill />
            <div class="who" data-testid="principal">
              <span class="who-name">{who()?.user}</span>
              <span class="who-role">{role()}</span>
            </div>
            <div class="sidebar-buttons">
              <button type="button" class="icon-button" onClick={theme.toggle} aria-label={`Switch to ${theme.resolved() === 'dark' ? 'light' : 'dark'} theme`}>
                <Icon name={theme.resolved() === 'dark' ? 'sun' : 'moon'} />
              </button>
              <button type="button" class="icon-button" onClick={() => void session.signOut()} aria-label="Sign out">
                <Icon name="logout" />
              </button>
            </div>
          </div>
        </aside>
        <header class="topbar">
          <div class="brand">
            <span class="brand-mark" aria-hidden="true" />
            <span class="brand-name">Switchboard</span>
          </div>
          <LinkPill />
          <div class="topbar-buttons">
            <button type="button" class="icon-button" onClick={theme.toggle} aria-label={`Switch to ${theme.resolved() === 'dark' ? 'light' : 'dark'} theme`}>
              <Icon name={theme.resolved() === 'dark' ? 'sun' : 'moon'} />
            </button>
            <button type="button" class="icon-button" onClick={() => void session.signOut()} aria-label="Sign out">
              <Icon name="logout" />
            </button>
          </div>
        </header>
        <main id="main" class="main" tabindex="-1">
          <ErrorBoundary fallback={(err, reset) => <ErrorState title="This page failed" error={err} onRetry={reset} />}>
            <Suspense fallback={<Skeleton rows={6} />}>{props.children}</Suspense>
          </ErrorBoundary>
        </main>
        <NavLinks class="tabbar" />
      </div>
    </div>
  )
}
