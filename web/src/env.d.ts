// Compile-time constants that esbuild replaces (build.mjs `define`).

/// True in the browser tests' bundle (dist-test/) only: it sets window.__deconflict (see testhook.ts).
declare const __TEST__: boolean;
