import type { RouteDefinition } from '@solidjs/router'
import { lazy } from 'solid-js'
import { broadcastData } from './pages/Broadcast.data.ts'
import { connectionsData } from './pages/Connections.data.ts'
import { devicesData } from './pages/Devices.data.ts'
import { logsData } from './pages/Logs.data.ts'
import { metricsData } from './pages/Metrics.data.ts'
import { notificationsData } from './pages/Notifications.data.ts'
import { liveLoader } from './route-data.ts'

/** The console's one route table: every page is a lazy chunk, every loader sits beside its page. */
export const routes: RouteDefinition[] = [
  { path: ['/', '/connections'], component: lazy(() => import('./pages/Connections.tsx')), preload: liveLoader(connectionsData) },
  { path: '/logs', component: lazy(() => import('./pages/Logs.tsx')), preload: liveLoader(logsData) },
  { path: '/metrics', component: lazy(() => import('./pages/Metrics.tsx')), preload: liveLoader(metricsData) },
  { path: '/broadcast', component: lazy(() => import('./pages/Broadcast.tsx')), preload: liveLoader(broadcastData) },
  { path: '/devices', component: lazy(() => import('./pages/Devices.tsx')), preload: liveLoader(devicesData) },
  { path: '/notifications', component: lazy(() => import('./pages/Notifications.tsx')), preload: liveLoader(notificationsData) },
  { path: '*404', component: lazy(() => import('./pages/NotFound.tsx')) },
]
