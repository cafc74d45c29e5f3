import { For } from 'solid-js'

/** A row of mutually exclusive choices (radio semantics, arrow keys move between them). */
export function Segmented<T extends string>(props: {
  label: string
  value: T
  options: { value: T; label: string; count?: number }[]
  onChange: (value: T) => void
}) {
  let group: HTMLDivElement | undefined
  const move = (e: KeyboardEvent, index: number) => {
    const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0
    if (step === 0) return
    e.preventDefault()
    const next = props.options[(index + step + props.options.length) % props.options.length]
    if (!next) return
    props.onChange(next.value)
    queueMicrotask(() => group?.querySelector<HTMLButtonElement>(`[data-value="${next.value}"]`)?.focus())
  }
  return (
    <div class="segmented" role="radiogroup" aria-label={props.label} ref={group}>
      <For each={props.options}>
        {(o, i) => (
          <button
            type="button"
            role="radio"
            data-value={o.value}
            aria-checked={props.value === o.value}
            tabindex={props.value === o.value ? 0 : -1}
            class="segment"
            onClick={() => props.onChange(o.value)}
            onKeyDown={(e) => move(e, i())}
          >
            {o.label}
            {o.count !== undefined && <span class="segment-count">{o.count}</span>}
          </button>
        )}
      </For>
    </div>
  )
}
