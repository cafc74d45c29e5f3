import { Show } from 'solid-js'
import { announcementOf } from '../lib/link-status.ts'
import { useRealtime } from '../realtime.tsx'
import { useSession } from '../session.tsx'
import { Icon } from './Icon.tsx'

/**
 * The unmistakable one: full width, top of the page, colour and words both
 * saying the console is not live, with a countdown and a way to retry now.
 */
export function ReconnectBanner() {
  const rt = useRealtime()
  const session = useSession()
  return (
    <Show when={rt.banner()}>
      {(b) => (
        <div class={`banner banner-${b().tone}`} data-testid="reconnect-banner">
          {/* Screen readers get the state once, not a new announcement for every tick of the countdown. */}
          <span class="visually-hidden" role="alert">
            {announcementOf(b())}
          </span>
          <span class="banner-pulse" aria-hidden="true" />
          <Icon name={b().tone === 'info' ? 'refresh' : 'wifiOff'} size={20} />
          <div class="banner-text" aria-hidden="true">
            <strong>{b().title}</strong>
            <Show when={b().detail}>
              <span class="banner-detail">{b().detail}</span>
            </Show>
          </div>
          <Show when={b().detail}>
            <span class="visually-hidden">{b().detail}</span>
          </Show>
          <Show when={b().action === 'retry'}>
            <button type="button" class="button button-small banner-action" onClick={() => rt.retry()}>
              Reconnect now
            </button>
          </Show>
          <Show when={b().action === 'login'}>
            <button type="button" class="button button-small banner-action" onClick={() => void session.signOut()}>
              Sign in again
            </button>
          </Show>
        </div>
      )}
    </Show>
  )
}
