// The deconflict web picture: one party's slice of the line — map, conflicts and alerts, hotline, declare,
// record — over the public API and the party's stream. Everything shown was given to the signed-in party;
// nothing is computed here that the line does not say.
//
// This entry point only starts things: sign-in (signin.ts), then a session (session.ts), which builds the
// store (store.ts) and the parts of the page around it. The browser tests' hook is added in their bundle only.

import { lineNow } from './clock';
import { type Session, startSession } from './session';
import { showSignIn, tokenAtStart, wireSignIn } from './signin';
import { toast } from './shell';
import { installTestHook } from './testhook';

async function begin(token: string): Promise<void> {
  const session = await startSession(token);
  if (__TEST__) hook(session);
  document.body.dataset.ready = 'true';
}

/// For the browser tests only (dist-test/): the line's time, the stream, the state and the map.
function hook(s: Session): void {
  installTestHook({
    lineNow: () => lineNow(s.store.state.clock),
    stream: () => s.stream,
    state: () => s.store.state,
    map: () => s.picture.map.map,
    picture: () => s.picture,
  });
}

async function start(): Promise<void> {
  wireSignIn(begin);
  const token = tokenAtStart();
  if (token) {
    try {
      await begin(token);
      return;
    } catch (e) {
      showSignIn(e);
      return;
    }
  }
  showSignIn();
}

document.addEventListener('DOMContentLoaded', () => {
  start().catch((e: unknown) => toast(String(e), true));
});
