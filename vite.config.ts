import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import solid from 'vite-plugin-solid'

/**
 * The admin console: sources in admin/, built to admin/dist and served by the
 * server at /admin (server/src/plugins/admin-static.ts). In development Vite
 * serves the SPA with HMR and proxies every server path to the running server,
 * so the SPA talks to one origin in both modes (cookies stay SameSite=Strict).
 */
const serverUrl = process.env.SWITCHBOARD_URL ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`
const proxied = { target: serverUrl, changeOrigin: false }

export default defineConfig({
  root: fileURLToPath(new URL('./admin', import.meta.url)),
  base: '/admin/',
  plugins: [solid()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 300,
  },
  server: {
    port: Number(process.env.VITE_PORT ?? 5173),
    strictPort: false,
    proxy: {
      '/api': proxied,
      '/ws': { ...proxied, ws: true },
      '/metrics': proxied,
      '/health': proxied,
    },
  },
  preview: { port: 4173 },
})
