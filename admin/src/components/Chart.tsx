import { createEffect, on, onCleanup, onMount } from 'solid-js'
import uPlot from 'uplot'
import { formatClock } from '../lib/format.ts'
import 'uplot/dist/uPlot.min.css'

export interface ChartSeries {
  label: string
  /** A CSS custom property holding the colour, e.g. `--chart-1`. */
  color: string
  format?: (v: number | null) => string
  fill?: boolean
}

/**
 * A uPlot time-series chart sized to its container. uPlot draws to a canvas
 * and updates in place (`setData`), so a chart fed every 2 s costs next to nothing.
 */
export function Chart(props: {
  title: string
  series: ChartSeries[]
  data: () => (number | null)[][]
  /** Changing this (the resolved theme) redraws with the new colours. */
  theme: () => string
  height?: number
  yMin?: number
}) {
  let box: HTMLDivElement | undefined
  let plot: uPlot | undefined

  const css = (name: string) => (box ? getComputedStyle(box).getPropertyValue(name).trim() : '') || '#888'

  function build() {
    if (!box) return
    plot?.destroy()
    const axis = { stroke: css('--muted'), grid: { stroke: css('--grid'), width: 1 }, ticks: { stroke: css('--grid'), width: 1 } }
    const width = Math.max(200, box.clientWidth)
    plot = new uPlot(
      {
        width,
        height: props.height ?? 200,
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, min, max) => [props.yMin ?? Math.min(0, min ?? 0), Math.max(max ?? 1, 1) * 1.1] } },
        axes: [
          { ...axis, space: 90, values: (_u, vals) => vals.map((v) => formatClock(v * 1000)) },
          { ...axis, size: 60, values: (_u, vals) => vals.map((v) => props.series[0]?.format?.(v) ?? String(v)) },
        ],
        series: [
          { value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatClock(v * 1000)) },
          ...props.series.map((s) => ({
            label: s.label,
            stroke: css(s.color),
            width: 2,
            ...(s.fill ? { fill: `${css(s.color)}22` } : {}),
            points: { show: false },
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => (s.format ? s.format(v) : v === null ? '—' : String(v)),
          })),
        ],
      },
      props.data() as uPlot.AlignedData,
      box,
    )
  }

  onMount(() => {
    build()
    const resize = new ResizeObserver(() => {
      if (box && plot) plot.setSize({ width: Math.max(200, box.clientWidth), height: props.height ?? 200 })
    })
    if (box) resize.observe(box)
    onCleanup(() => {
      resize.disconnect()
      plot?.destroy()
    })
  })
  createEffect(on(props.data, (data) => plot?.setData(data as uPlot.AlignedData), { defer: true }))
  createEffect(on(props.theme, () => build(), { defer: true }))

  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} class="chart-canvas" role="img" aria-label={`${props.title} over time`} />
    </figure>
  )
}
