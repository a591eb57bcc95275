/** Vite's `?url` imports: the emitted asset's URL (the wasm binaries tfjs fetches itself). */
declare module '*.wasm?url' {
  const url: string;
  export default url;
}
