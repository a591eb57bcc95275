/** The WebAssembly binaries of @tensorflow/tfjs-backend-wasm, by the names its loader asks for. The site serves each as `<name>.gz` under tryit/wasm/. */
export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;
