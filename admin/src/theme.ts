import { createSignal, onCleanup } from 'solid-js'

/**
 * Light/dark: follows the system (prefers-color-scheme) until the operator
 * picks one; the choice is a display preference, so localStorage is fine here.
 */
export type ThemeChoice = 'system' | 'light' | 'dark'
const KEY = 'switchboard-admin-theme'

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY)
    return v === 'light' || v === 'dark' ? v : 'system'
  } catch {
    return 'system'
  }
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement
  if (choice === 'system') delete root.dataset.theme
  else root.dataset.theme = choice
}

/** The theme as a signal: `resolved` is what is on screen now. */
export function createTheme() {
  const media = window.matchMedia('(prefers-color-scheme: dark)')
  const [choice, setChoice] = createSignal<ThemeChoice>(stored())
  const [systemDark, setSystemDark] = createSignal(media.matches)
  const onChange = (e: MediaQueryListEvent) => setSystemDark(e.matches)
  media.addEventListener('change', onChange)
  onCleanup(() => media.removeEventListener('change', onChange))

  const resolved = () => (choice() === 'system' ? (systemDark() ? 'dark' : 'light') : choice())
  const set = (next: ThemeChoice) => {
    setChoice(next)
    applyTheme(next)
    try {
      if (next === 'system') localStorage.removeItem(KEY)
      else localStorage.setItem(KEY, next)
    } catch {
      // private mode: the choice lasts for this page only
    }
  }
  /** Flips between light and dark (leaving "system"). */
  const toggle = () => set(resolved() === 'dark' ? 'light' : 'dark')
  return { choice, resolved, set, toggle }
}

/** Runs before the first render so the page never flashes the wrong theme. */
export function applyStoredTheme(): void {
  applyTheme(stored())
}
