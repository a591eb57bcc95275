/**
 * The charts' one build setting, as an Astro integration (add `charts()` to
 * `integrations` in astro.config.mjs): the browser bundle resolves `vega-lite` to a
 * stub, since specs reach the browser already compiled to Vega. Server-side
 * rendering keeps the real compiler.
 */
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';

const STUB = fileURLToPath(new URL('./client/vega-lite-stub.ts', import.meta.url));

interface ResolveContext {
  environment?: { name?: string; config?: { consumer?: string } };
}

/** A Vite plugin: `vega-lite` imported from browser code resolves to the stub. */
export function vegaLiteStubPlugin() {
  return {
    name: 'charts:vega-lite-stub',
    enforce: 'pre' as const,
    resolveId(this: ResolveContext, id: string, _importer: string | undefined, options?: { ssr?: boolean }) {
      if (id !== 'vega-lite') return null;
      const consumer = this.environment?.config?.consumer;
      const inBrowser = consumer ? consumer === 'client' : options?.ssr === false;
      return inBrowser ? STUB : null;
    },
  };
}

export function charts(): AstroIntegration {
  return {
    name: 'charts',
    hooks: {
      'astro:config:setup': ({ updateConfig }) => {
        updateConfig({ vite: { plugins: [vegaLiteStubPlugin()] } });
      },
    },
  };
}
