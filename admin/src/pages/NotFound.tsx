import { A } from '@solidjs/router'
import { EmptyState } from '../components/States.tsx'

export default function NotFound() {
  return (
    <EmptyState icon="search" title="No such page">
      <p>
        Nothing lives at this address. Go to the <A href="/connections">connections</A>.
      </p>
    </EmptyState>
  )
}
