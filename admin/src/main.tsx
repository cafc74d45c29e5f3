import { render } from 'solid-js/web'
import { App } from './App.tsx'
import { SessionProvider } from './session.tsx'
import './styles/app.css'
import { applyStoredTheme } from './theme.ts'
import { UiProvider } from './ui.tsx'

applyStoredTheme()

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root')
render(
  () => (
    <UiProvider>
      <SessionProvider>
        <App />
      </SessionProvider>
    </UiProvider>
  ),
  root,
)
