import { Show, type JSX } from 'solid-js'

export function StatCard(props: { label: string; value: JSX.Element; hint?: JSX.Element; tone?: 'ok' | 'warn' | 'err' }) {
  return (
    <div class={`stat ${props.tone ? `stat-${props.tone}` : ''}`}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      <Show when={props.hint}>
        <div class="stat-hint">{props.hint}</div>
      </Show>
    </div>
  )
}
