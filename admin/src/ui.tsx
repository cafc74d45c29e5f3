import { createContext, createSignal, For, useContext, type JSX } from 'solid-js'
import { Icon } from './components/Icon.tsx'
import { createTheme } from './theme.ts'

/** Console-wide UI state: the theme, and short toasts announced to screen readers. */
export type ToastTone = 'success' | 'error' | 'info'
interface Toast {
  id: number
  tone: ToastTone
  text: string
}

function createUi() {
  const [toasts, setToasts] = createSignal<Toast[]>([])
  let seq = 0
  const dismiss = (id: number) => setToasts((list) => list.filter((t) => t.id !== id))
  const toast = (text: string, tone: ToastTone = 'info') => {
    const id = ++seq
    setToasts((list) => [...list.slice(-3), { id, tone, text }])
    setTimeout(() => dismiss(id), tone === 'error' ? 8000 : 4000)
  }
  return { toasts, toast, dismiss, theme: createTheme() }
}

type Ui = ReturnType<typeof createUi>
const UiContext = createContext<Ui>()

export function UiProvider(props: { children: JSX.Element }) {
  const ui = createUi()
  return (
    <UiContext.Provider value={ui}>
      {props.children}
      <div class="toasts" role="status" aria-live="polite">
        <For each={ui.toasts()}>
          {(t) => (
            <div class={`toast toast-${t.tone}`}>
              <Icon name={t.tone === 'error' ? 'alert' : t.tone === 'success' ? 'check' : 'bell'} />
              <span>{t.text}</span>
              <button class="icon-button" type="button" aria-label="Dismiss" onClick={() => ui.dismiss(t.id)}>
                <Icon name="x" size={16} />
              </button>
            </div>
          )}
        </For>
      </div>
    </UiContext.Provider>
  )
}

export function useUi(): Ui {
  const ui = useContext(UiContext)
  if (!ui) throw new Error('useUi outside <UiProvider>')
  return ui
}
