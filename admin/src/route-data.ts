import type { RoutePreloadFunc, RoutePreloadFuncArgs } from '@solidjs/router'

/**
 * Wraps a page loader for the route table. The router also calls loaders on
 * link hover (intent `preload`) to warm caches; ours open live subscriptions
 * and timers instead, so a hover must not start them: it gets nothing.
 */
export function liveLoader<T>(load: (args: RoutePreloadFuncArgs) => T): RoutePreloadFunc<T> {
  return (args) => (args.intent === 'preload' ? (undefined as T) : load(args))
}
