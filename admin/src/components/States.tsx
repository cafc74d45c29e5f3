import { Show, type JSX } from 'solid-js'
import { Icon, type IconName } from './Icon.tsx'

/** What an empty list says: what would be here, and how to get some. */
export function EmptyState(props: { icon: IconName; title: string; children?: JSX.Element }) {
  return (
    <div class="state" data-testid="empty-state">
      <div class="state-icon">
        <Icon name={props.icon} size={26} />
      </div>
      <h3>{props.title}</h3>
      <Show when={props.children}>
        <div class="state-body">{props.children}</div>
      </Show>
    </div>
  )
}

/** A failed load: what failed, the server's message, and a retry. */
export function ErrorState(props: { title: string; error: unknown; onRetry?: () => void }) {
  const message = () => (props.error instanceof Error ? props.error.message : String(props.error))
  const code = () => (props.error as { code?: string } | undefined)?.code
  return (
    <div class="state state-error" role="alert" data-testid="error-state">
      <div class="state-icon">
        <Icon name="alert" size={26} />
      </div>
      <h3>{props.title}</h3>
      <p class="state-body">
        {message()}
        <Show when={code()}>
          {' '}
          <code>{code()}</code>
        </Show>
      </p>
      <Show when={props.onRetry}>
        <button type="button" class="button" onClick={() => props.onRetry?.()}>
          <Icon name="refresh" size={16} /> Try again
        </button>
      </Show>
    </div>
  )
}

export function Skeleton(props: { rows?: number }) {
  return (
    <div class="skeleton" aria-busy="true" aria-label="Loading">
      {Array.from({ length: props.rows ?? 4 }, () => (
        <div class="skeleton-row" />
      ))}
    </div>
  )
}
