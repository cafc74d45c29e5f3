import { A } from '@solidjs/router'
import { For, Show } from 'solid-js'
import { useRealtime } from '../realtime.tsx'
import { useSession } from '../session.tsx'
import { Icon, type IconName } from './Icon.tsx'

interface Item {
  href: string
  label: string
  /** For the phone tab bar. */
  short: string
  icon: IconName
  badge?: () => string
  show?: () => boolean
}

/** The navigation: a sidebar on wide screens, a bottom tab bar on phones; the same items in both. */
export function useNavItems(): Item[] {
  const rt = useRealtime()
  const session = useSession()
  return [
    { href: '/connections', label: 'Connections', short: 'Clients', icon: 'plug' },
    { href: '/logs', label: 'Logs', short: 'Logs', icon: 'logs' },
    { href: '/metrics', label: 'Metrics', short: 'Metrics', icon: 'chart' },
    { href: '/devices', label: 'Devices', short: 'Devices', icon: 'power', show: () => rt.devicesAvailable() },
    { href: '/broadcast', label: 'Broadcast', short: 'Send', icon: 'send', show: () => session.testTools() },
    { href: '/notifications', label: 'Notifications', short: 'Inbox', icon: 'bell', badge: () => rt.unreadBadge() },
  ]
}

export function NavLinks(props: { class: string }) {
  const items = useNavItems()
  return (
    <nav class={props.class} aria-label="Main">
      <For each={items}>
        {(item) => (
          <Show when={item.show?.() ?? true}>
            <A href={item.href} class="nav-link" activeClass="active">
              <Icon name={item.icon} size={20} />
              <span class="nav-label">{item.label}</span>
              <span class="nav-short" aria-hidden="true">
                {item.short}
              </span>
              <Show when={item.badge?.()}>
                {(text) => (
                  <span class="nav-badge" data-testid="unread-badge" aria-label={`${text()} unread`}>
                    {text()}
                  </span>
                )}
              </Show>
            </A>
          </Show>
        )}
      </For>
    </nav>
  )
}
