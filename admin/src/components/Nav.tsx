import { A } from '@solidjs/router'
import { For, Show } from 'solid-js'
import { useRealtime } from '../realtime.tsx'
import { useSession } from '../session.tsx'
import { Icon, type IconName } from './Icon.tsx'

interface Item {
  href: string
  label: string
  icon: IconName
  badge?: () => string
  show?: () => boolean
}

/** The navigation: a sidebar on wide screens, a bottom tab bar on phones; the same items in both. */
export function useNavItems(): Item[] {
  const rt = useRealtime()
  const session = useSession()
  return [
    { href: '/connections', label: 'Connections', icon: 'plug' },
    { href: '/logs', label: 'Logs', icon: 'logs' },
    { href: '/metrics', label: 'Metrics', icon: 'chart' },
    { href: '/broadcast', label: 'Broadcast', icon: 'send', show: () => session.testTools() },
    { href: '/notifications', label: 'Notifications', icon: 'bell', badge: () => rt.unreadBadge() },
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
