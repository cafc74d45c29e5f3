import { createEffect, Show, type JSX } from 'solid-js'

export interface ConfirmRequest {
  title: string
  body: JSX.Element
  confirmLabel: string
  danger?: boolean
}

/**
 * A confirmation on the native <dialog> (modal, focus kept inside, Escape
 * cancels), so destructive actions always take a deliberate second step.
 */
export function ConfirmDialog(props: {
  request: ConfirmRequest | null
  busy?: boolean
  onConfirm: () => void
  onCancel: () => void
}) {
  let dialog: HTMLDialogElement | undefined
  createEffect(() => {
    if (!dialog) return
    if (props.request && !dialog.open) dialog.showModal()
    if (!props.request && dialog.open) dialog.close()
  })
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault()
        props.onCancel()
      }}
      onClick={(e) => {
        if (e.target === dialog) props.onCancel() // a click on the backdrop
      }}
    >
      <Show when={props.request}>
        {(r) => (
          <form
            method="dialog"
            class="dialog-body"
            onSubmit={(e) => {
              e.preventDefault()
              props.onConfirm()
            }}
          >
            <h2 id="confirm-title">{r().title}</h2>
            <div class="dialog-content">{r().body}</div>
            <div class="dialog-actions">
              {/* A destructive action starts on Cancel, so Enter alone never disconnects anyone. */}
              <button type="button" class="button button-ghost" onClick={() => props.onCancel()} autofocus={r().danger}>
                Cancel
              </button>
              <button type="submit" class={`button ${r().danger ? 'button-danger' : 'button-primary'}`} disabled={props.busy} autofocus={!r().danger}>
                {props.busy ? 'Working…' : r().confirmLabel}
              </button>
            </div>
          </form>
        )}
      </Show>
    </dialog>
  )
}
