import type { RouteSectionProps } from '@solidjs/router'
import { createSignal, For, onCleanup, Show } from 'solid-js'
import type { NotificationDto } from '../api.ts'
import { Icon } from '../components/Icon.tsx'
import { PageHeader } from '../components/PageHeader.tsx'
import { Segmented } from '../components/Segmented.tsx'
import { EmptyState, ErrorState, Skeleton } from '../components/States.tsx'
import { formatRelative } from '../lib/format.ts'
import type { NotificationsData } from './Notifications.data.ts'

export default function Notifications(props: RouteSectionProps<NotificationsData>) {
  const d = props.data
  const [now, setNow] = createSignal(Date.now())
  const t = setInterval(() => setNow(Date.now()), 15_000)
  onCleanup(() => clearInterval(t))

  return (
    <>
      <PageHeader
        title="Notifications"
        subtitle={d.unread() > 0 ? `${d.unread()} unread` : 'All caught up'}
        actions={
          <>
            <button type="button" class="button" onClick={d.sendMeOne}>
              <Icon name="bell" size={16} /> Send me a test
            </button>
            <button type="button" class="button" onClick={() => void d.readAll()} disabled={d.unread() === 0}>
              <Icon name="check" size={16} /> Mark all read
            </button>
          </>
        }
      />
      <div class="toolbar">
        <Segmented<'all' | 'unread'>
          label="Show"
          value={d.unreadOnly() ? 'unread' : 'all'}
          onChange={(v) => d.setUnreadOnly(v === 'unread')}
          options={[
            { value: 'all', label: 'All' },
            { value: 'unread', label: 'Unread', count: d.unread() },
          ]}
        />
      </div>
      <Show when={!d.error()} fallback={<ErrorState title="Notifications could not be loaded" error={d.error()} onRetry={d.retry} />}>
        <Show when={!d.loading()} fallback={<Skeleton rows={4} />}>
          <Show
            when={d.items().length > 0}
            fallback={
              <EmptyState icon="bell" title={d.unreadOnly() ? 'Nothing unread' : 'No notifications yet'}>
                <p>Notifications for you arrive here live; the badge in the menu counts the unread ones.</p>
              </EmptyState>
            }
          >
            <ul class="notifications" data-testid="notifications">
              <For each={d.items()}>{(n) => <Item n={n} now={now()} d={d} />}</For>
            </ul>
          </Show>
        </Show>
      </Show>
    </>
  )
}

function Item(props: { n: NotificationDto; now: number; d: NotificationsData }) {
  const n = () => props.n
  const unread = () => !n().readAt
  return (
    <li class={`notification notification-${n().type} ${unread() ? 'unread' : ''}`}>
      <span class="notification-mark" aria-hidden="true" />
      <div class="notification-body">
        <div class="notification-head">
          <strong>{n().title}</strong>
          <span class="chip">{n().category}</span>
          <span class={`level level-${n().type === 'action_required' ? 'warning' : n().type}`}>{n().type.replace('_', ' ')}</span>
          <Show when={unread()}>
            <span class="visually-hidden">unread</span>
          </Show>
        </div>
        <p>{n().message}</p>
        <div class="notification-foot muted">
          <time datetime={n().createdAt}>{formatRelative(n().createdAt, props.now)}</time>
          <Show when={n().actionUrl}>
            {' · '}
            <a href={n().actionUrl!} rel="noopener noreferrer" target="_blank">
              Open
            </a>
          </Show>
        </div>
      </div>
      <div class="notification-actions">
        <Show when={unread()}>
          <button type="button" class="icon-button" onClick={() => void props.d.markRead(n().id)} aria-label={`Mark "${n().title}" as read`}>
            <Icon name="check" />
          </button>
        </Show>
        <button type="button" class="icon-button" onClick={() => void props.d.remove(n().id)} aria-label={`Delete "${n().title}"`}>
          <Icon name="trash" />
        </button>
      </div>
    </li>
  )
}
