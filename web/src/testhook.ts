// The browser tests' hook, window.__deconflict: the line's time, the stream, the store's state and the map,
// as the page sees them. Installed only in the test bundle (dist-test/, built with __TEST__ true); the
// production bundle (dist/) leaves this module out, and build.mjs checks that it does.

export interface TestHook {
  lineNow: () => number;
  stream: () => unknown;
  state: () => unknown;
  map: () => unknown;
  /// The picture's map, overlay and tools (what the overlay last drew, the measure tool's result).
  picture: () => unknown;
}

export function installTestHook(hook: TestHook): void {
  Object.assign(window, { __deconflict: hook });
}
