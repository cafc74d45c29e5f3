import { useRealtime } from '../realtime.tsx'

const LABEL = {
  connected: 'Live',
  connecting: 'Connecting',
  authenticating: 'Connecting',
  reconnecting: 'Reconnecting',
  disconnected: 'Offline',
  closed: 'Offline',
} as const

/** The socket's state in a word, always visible in the sidebar / top bar. */
export function LinkPill() {
  const rt = useRealtime()
  const state = () => rt.link().state
  const tone = () => (state() === 'connected' ? 'ok' : state() === 'closed' || state() === 'disconnected' ? 'err' : 'warn')
  return (
    <span class={`pill pill-${tone()}`} data-testid="link-state" data-state={state()} title={`WebSocket: ${state()}`}>
      <span class="dot" aria-hidden="true" />
      {LABEL[state()]}
    </span>
  )
}
