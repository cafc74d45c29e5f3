import { installProbe } from './probe.ts'

// Loaded with `node --import` ahead of server/src/main.ts.
installProbe()
