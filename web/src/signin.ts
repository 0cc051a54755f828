// Sign-in and sign-out: the token from the page's link (#token=…, removed from the address at once) or from
// this tab's storage, the sign-in form and its error, and signing out (the token forgotten, the page
// reloaded). The page's words are put in its language first (lang.ts), and the form offers the languages.

import { $, $as, control } from './dom';
import { translatePage, wireChoosers } from './lang';
import { errorText } from './shell';

const TOKEN_KEY = 'deconflict.token';

/// The token to sign in with when the page opens, if any.
export function tokenAtStart(): string | null {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) history.replaceState(null, '', location.pathname);
  return fromHash ?? sessionStorage.getItem(TOKEN_KEY);
}

/// Keeps the token for this tab only (a reload stays signed in; another tab is not).
export function rememberToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  location.hash = '';
  location.reload();
}

/// The page's own words in its language, the language choosers, and the sign-in form: `signIn` is given the
/// token typed; its failure is shown under the form.
export function wireSignIn(signIn: (token: string) => Promise<void>): void {
  translatePage();
  wireChoosers();
  const form = $as('#signin-form', HTMLFormElement);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await signIn(control(form, 'token').value.trim());
    } catch (e) {
      showSignIn(e);
    }
  });
}

/// Shows the sign-in form, with why the last try failed.
export function showSignIn(error?: unknown): void {
  if (error !== undefined) $('#signin-error').textContent = errorText(error);
  $('#signin').hidden = false;
  $('#token').focus();
}
