import type { Contender, ContenderId } from './contender.ts'
import { startRawWs } from './raw-ws.ts'
import { startSocketIo } from './socketio.ts'
import { startSwitchboard, startSwitchboardRedis } from './switchboard.ts'

export interface StartOptions {
  secret: string
  /** Run Switchboard from this directory (a snapshot) instead of the working tree. */
  switchboardRoot?: string
}

export function startContender(id: ContenderId, o: StartOptions): Promise<Contender> {
  switch (id) {
    case 'ws-naive':
      return startRawWs(id, 'naive', o.secret)
    case 'ws-buffer':
      return startRawWs(id, 'buffer', o.secret)
    case 'ws-tuned':
      return startRawWs(id, 'tuned', o.secret)
    case 'socketio':
      return startSocketIo(o.secret)
    case 'switchboard':
      return startSwitchboard({ secret: o.secret, root: o.switchboardRoot })
    case 'switchboard-redis':
      return startSwitchboardRedis({ secret: o.secret, root: o.switchboardRoot })
  }
}
