// A signed-in session: checks the token (who is this?), puts the page in the user's own language, then builds the store and every part of the page
// around it — the map's picture, the four panels, the clock, the loading of lists and the stream — and
// starts them in order: the party's lists are asked for first, the map is set up while they come, the
// picture is drawn once both are in, then the stream follows the log from the lists' snapshot.

import { Api } from './api';
import { Clock } from './clock';
import { Details } from './details';
import { $ } from './dom';
import { define } from './i18n';
import { signedInAs } from './lang';
import { ConflictsPanel } from './panels/conflicts';
import { DeclarePanel } from './panels/declare';
import { HotlinePanel } from './panels/hotline';
import { NotificationsPanel } from './panels/notifications';
import { RecordPanel } from './panels/record';
import { Picture } from './picture';
import { ReportDialog } from './report';
import { showHeader, showStream, toast, wireTabs } from './shell';
import { rememberToken, signOut } from './signin';
import { initialState, Store } from './store';
import { Stream } from './stream';
import { Sync } from './sync';
import type { Whoami } from './types';

const t = define('session', {
  en: { tokenGone: 'The line no longer takes this token: sign in again.' },
  ru: { tokenGone: 'Линия больше не принимает этот токен: войдите снова.' },
  ar: { tokenGone: 'لم يعد الخط يقبل هذا الرمز: سجّل الدخول مجدداً.' },
  tr: { tokenGone: 'Hat bu belirteci artık kabul etmiyor: yeniden oturum açın.' },
});

export interface Session {
  store: Store;
  api: Api;
  picture: Picture;
  stream: Stream;
}

export async function startSession(token: string): Promise<Session> {
  const api = new Api(token);
  const who = await api.get<Whoami>('/v1/credentials');
  rememberToken(token);
  // The user's own language, before anything of the session is drawn.
  signedInAs(who.you);
  const store = new Store(initialState(who, Date.now()));
  showHeader(store.state);
  store.watch((s) => s.stream, showStream);

  // Signing out (or a token the line no longer takes) stops what was started, then reloads the page.
  const running: { stop(): void }[] = [];
  const end = () => {
    for (const r of running) r.stop();
    signOut();
  };
  api.onUnauthorized = () => {
    toast(t('tokenGone'), true);
    setTimeout(end, 1500);
  };
  $('#signout').addEventListener('click', end);

  // The party's picture is asked for first; the map and the panels are set up while the answers come.
  const sync = new Sync(api, store);
  const loaded = sync.loadAll();
  const details = new Details(store, api, sync);
  const picture = new Picture(store, (p) => details.show(p));
  // Each panel keeps itself drawn from the store (it subscribes when made).
  new ConflictsPanel(store, api, sync, picture);
  const hotline = new HotlinePanel(store, api, sync);
  const notifications = new NotificationsPanel(store, api, sync, picture);
  const declare = new DeclarePanel(store, api, sync, picture);
  picture.takeClicks((at) => declare.onMapClick(at));
  const clock = new Clock(store, api, (t) => picture.setTime(t));

  await picture.map.ready;
  await loaded;
  picture.show();

  // Live from the snapshot the panels were loaded with (everything after it comes on the stream); the
  // record reads what came before only when it is opened.
  const stream = new Stream(
    token,
    (e) => sync.onEvent(e),
    (status, detail) => store.dispatch({ type: 'stream/state', status, detail, cursor: stream.cursor }),
  );
  stream.cursor = sync.streamFrom();
  const record = new RecordPanel(store, api, stream.cursor, () => stream.cursor);
  new ReportDialog(store, api);
  wireTabs((tab) => {
    if (tab === 'record') record.shown();
  });

  running.push(stream, clock, sync, hotline, notifications);
  sync.startPolling();
  stream.start();
  clock.start();
  declare.reset(store.state);
  return { store, api, picture, stream };
}
