/**
 * Stands in for `vega-lite` in the browser bundle. vega-embed imports the whole
 * Vega-Lite compiler (~80 KB gzipped), but every chart is compiled to Vega at build
 * time and embedded with mode "vega", so the compiler is never called there.
 */
export const version = 'not bundled (specs are compiled to Vega at build time)';

export function compile(): never {
  throw new Error('vega-lite is not bundled in the browser: embed compiled Vega specs (mode "vega")');
}
