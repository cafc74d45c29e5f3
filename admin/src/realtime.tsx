import type { EventType, PushFrame } from '@switchboard/shared'
import { SwitchboardClient, type PushHandler } from '@switchboard/shared/client'
import { createContext, createSignal, onCleanup, onMount, useContext, type JSX } from 'solid-js'
import { bannerFor, type Banner, type LinkStatus } from './lib/link-status.ts'
import { badgeText, created, fromServer, removed, type UnreadState } from './lib/unread.ts'
import { useSession } from './session.tsx'

/**
 * ONE socket for the whole console (reference 000's lesson: never a socket per
 * component). Pages register handlers with `on(type, handler)`; the provider
 * owns the connection, its state for the banner, the channels the console
 * listens to, and the live unread count of the sidebar badge.
 */
export const CONSOLE_CHANNELS = ['admin-dashboard', 'logs']

export function createRealtime(session: ReturnType<typeof useSession>) {
  const client = new SwitchboardClient({
    url: window.location.origin,
    token: () => session.getToken(),
    // An operator console keeps trying: quick first retry, capped, never gives up.
    backoff: { initialDelayMs: 1000, maxDelayMs: 10_000, randomizationFactor: 0.5, maxAttempts: Infinity },
    heartbeatIntervalMs: 30_000,
  })

  const [link, setLink] = createSignal<LinkStatus>({
    state: client.state,
    everConnected: false,
    reconnectAt: null,
    attempt: 0,
    since: Date.now(),
    lastClose: null,
    online: navigator.onLine,
  })
  const patch = (p: Partial<LinkStatus>) => setLink((s) => ({ ...s, ...p }))
  const [now, setNow] = createSignal(Date.now())
  const [denied, setDenied] = createSignal<string[]>([])

  const offs = [
    client.events.on('state', ({ next }) => {
      patch({ state: next, ...(next === 'connecting' ? { since: Date.now(), reconnectAt: null } : {}) })
    }),
    client.events.on('connected', () => patch({ everConnected: true, attempt: 0, reconnectAt: null })),
    client.events.on('disconnected', ({ code, reason }) => patch({ lastClose: { code, reason } })),
    client.events.on('reconnecting', ({ attempt, delayMs }) => patch({ attempt, reconnectAt: Date.now() + delayMs })),
    client.events.on('closed', ({ code, reason }) => patch({ lastClose: { code, reason }, reconnectAt: null })),
  ]
  // The countdown needs a clock, but only while something is counting.
  const tick = setInterval(() => {
    if (link().state !== 'connected') setNow(Date.now())
  }, 250)
  const onOnline = () => patch({ online: navigator.onLine })
  window.addEventListener('online', onOnline)
  window.addEventListener('offline', onOnline)

  const banner = (): Banner | null => bannerFor(link(), now())

  /** Reconnect now, skipping the remaining backoff delay. Subscriptions are kept. */
  function retry(): void {
    client.close('reconnect now')
    void client.connect().catch(() => undefined)
  }

  function on<T extends EventType>(type: T, handler: PushHandler<T>): () => void {
    return client.on(type, handler)
  }
  function onAny(handler: (push: PushFrame) => void): () => void {
    return client.onAny(handler)
  }

  // The unread badge: a count from the API, kept live by pushes, re-read after every (re)connect.
  const [unread, setUnread] = createSignal<UnreadState>(fromServer(0))
  let unreadTimer: ReturnType<typeof setTimeout> | undefined
  const refreshUnread = () => {
    clearTimeout(unreadTimer)
    unreadTimer = setTimeout(async () => {
      try {
        const list = await session.api.notifications({ unreadOnly: true, limit: 100 })
        setUnread(fromServer(list.unreadCount, list.notifications.map((n) => n.id)))
      } catch {
        // the badge keeps its last value; the next push or reconnect tries again
      }
    }, 100)
  }
  offs.push(
    client.on('notification:created', (n) => setUnread((s) => created(s, n))),
    client.on('notification:read', ({ notificationId }) => setUnread((s) => removed(s, notificationId))),
    client.on('notification:deleted', ({ notificationId }) => setUnread((s) => removed(s, notificationId))),
    client.events.on('connected', refreshUnread),
  )

  // Optional server features the navigation depends on (the devices API comes with its module).
  const [devicesAvailable, setDevicesAvailable] = createSignal(false)

  function start(): void {
    session.api.listDevices({ limit: 1 }).then(
      () => setDevicesAvailable(true),
      (err: { status?: number }) => setDevicesAvailable(err.status !== 404 && err.status !== 0),
    )
    void client.connect().catch(() => undefined)
    client
      .subscribe(CONSOLE_CHANNELS)
      .then((reply) => setDenied(reply.denied.map((d) => d.channel)))
      .catch(() => undefined)
  }

  function stop(): void {
    for (const off of offs) off()
    clearInterval(tick)
    clearTimeout(unreadTimer)
    window.removeEventListener('online', onOnline)
    window.removeEventListener('offline', onOnline)
    client.close('signed out')
  }

  return {
    client,
    link,
    banner,
    retry,
    on,
    onAny,
    connected: () => link().state === 'connected',
    /** Console channels the server refused (a tenant admin without system channels). */
    denied,
    unread: () => unread().count,
    unreadBadge: () => badgeText(unread().count),
    setUnreadCount: (count: number, ids: string[] = []) => setUnread(fromServer(count, ids)),
    refreshUnread,
    devicesAvailable,
    start,
    stop,
  }
}

export type Realtime = ReturnType<typeof createRealtime>

const RealtimeContext = createContext<Realtime>()

export function RealtimeProvider(props: { children: JSX.Element }) {
  const session = useSession()
  const realtime = createRealtime(session)
  onMount(() => realtime.start())
  onCleanup(() => realtime.stop())
  return <RealtimeContext.Provider value={realtime}>{props.children}</RealtimeContext.Provider>
}

export function useRealtime(): Realtime {
  const r = useContext(RealtimeContext)
  if (!r) throw new Error('useRealtime outside <RealtimeProvider>')
  return r
}

/** Registers a push handler for the lifetime of the calling component or loader. */
export function onPush<T extends EventType>(type: T, handler: PushHandler<T>): void {
  const off = useRealtime().on(type, handler)
  onCleanup(off)
}
