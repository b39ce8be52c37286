// Vite's `?url` imports (the worker serves tfjs's wasm binaries through them).
declare module '*.wasm?url' {
  const url: string;
  export default url;
}
