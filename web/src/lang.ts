// The page's language on the page: the words written in the page itself (index.html marks them with
// `data-i18n="key"` for the text, `data-i18n-attr="attribute:key;…"` for attributes such as aria-label and
// placeholder), filled in from the catalogue below; the language choosers (in the header and on the
// sign-in form, each language by its own name); and, at sign-in, the signed-in user's own language, which
// wins over the page's and is applied before anything of the session is drawn.

import { define, LANGS, type Lang, lang, rememberLang, setLang, userLang } from './i18n';

const t = define('page', {
  en: {
    title: 'deconflict — the line',
    signinHelp: "Sign in with your party's token. It stays in this tab only.",
    token: 'Token',
    signIn: 'Sign in',
    language: 'Language',
    declarations: 'declarations',
    ownTracks: 'own tracks',
    openAlerts: 'open alerts',
    signOut: 'Sign out',
    map: 'map',
    parties: 'parties',
    details: 'details',
    play: '▶ play',
    now: 'now',
    sliderLabel: 'time ahead, in minutes',
    panels: 'panels',
    conflicts: 'Conflicts',
    hotline: 'Hotline',
    awaitingYou: 'awaiting you',
    declare: 'Declare',
    record: 'Record',
    show: 'Show',
    all: 'all',
    open: 'open',
    acknowledged: 'acknowledged',
    accepted: 'accepted',
    disputed: 'disputed',
    resolved: 'resolved',
    compose: 'Compose',
    to: 'To',
    precedence: 'Precedence',
    kind: 'Kind',
    kindText: 'text',
    kindNotice: 'notice',
    kindRequest: 'request',
    kindReply: 'reply',
    kindAssistance: 'assistance',
    kindNotMyForces: 'not my forces',
    text: 'Text',
    send: 'Send',
    declareHelp: 'Choose a shape, then click on the map or type the points. The line checks the draft as you go.',
    shape: 'shape',
    polygon: 'Polygon',
    circle: 'Circle',
    corridor: 'Corridor',
    clear: 'Clear',
    pointsHelp: 'Points (click the map, or type: lon lat in degrees, DMS like 353700N0384500E, or MGRS; separated by ;)',
    radiusKm: 'Radius (km)',
    halfWidthM: 'Half width (m)',
    id: 'Id',
    name: 'Name',
    whatItIs: 'what it is',
    airOperation: 'air operation',
    groundMovement: 'ground movement',
    siteProtected: 'site (protected)',
    zone: 'zone',
    lower: 'Lower',
    upper: 'Upper',
    lowerUnit: 'lower altitude unit',
    upperUnit: 'upper altitude unit',
    unitM: 'm',
    unitFt: 'ft',
    startHelp: 'Start (UTC: 1830Z, 2017-06-18T18:30Z or 181830ZJUN17)',
    endHelp: 'End (1930Z: the first 19:30Z after the start)',
    sharedWith: 'Shared with',
    newDeclaration: 'New declaration',
    checkpointWait: 'checkpoint…',
    verifyHelp: 'Verify an entry offline with its proof and leaf:',
    verifyPolicy: "(the policy names the line's log key and its witnesses).",
    entriesShown: 'entries shown',
    seq: 'seq',
    timeBy: 'time, by',
    what: 'what',
    download: 'download',
  },
  ru: {
    title: 'deconflict — линия',
    signinHelp: 'Войдите с токеном своей стороны. Он хранится только в этой вкладке.',
    token: 'Токен',
    signIn: 'Войти',
    language: 'Язык',
    declarations: 'заявки',
    ownTracks: 'свои треки',
    openAlerts: 'открытые тревоги',
    signOut: 'Выйти',
    map: 'карта',
    parties: 'стороны',
    details: 'подробности',
    play: '▶ пуск',
    now: 'сейчас',
    sliderLabel: 'время вперёд, в минутах',
    panels: 'панели',
    conflicts: 'Конфликты',
    hotline: 'Горячая линия',
    awaitingYou: 'ждут вас',
    declare: 'Заявить',
    record: 'Журнал',
    show: 'Показать',
    all: 'все',
    open: 'открытые',
    acknowledged: 'подтверждённые',
    accepted: 'принятые',
    disputed: 'оспоренные',
    resolved: 'разрешённые',
    compose: 'Новое сообщение',
    to: 'Кому',
    precedence: 'Срочность',
    kind: 'Вид',
    kindText: 'текст',
    kindNotice: 'уведомление',
    kindRequest: 'запрос',
    kindReply: 'ответ',
    kindAssistance: 'помощь',
    kindNotMyForces: 'не мои силы',
    text: 'Текст',
    send: 'Отправить',
    declareHelp: 'Выберите фигуру, затем щёлкайте по карте или введите точки. Линия проверяет проект по ходу ввода.',
    shape: 'фигура',
    polygon: 'Многоугольник',
    circle: 'Круг',
    corridor: 'Коридор',
    clear: 'Очистить',
    pointsHelp: 'Точки (щёлкните по карте или введите: долгота широта в градусах, DMS вида 353700N0384500E или MGRS; через ;)',
    radiusKm: 'Радиус (км)',
    halfWidthM: 'Полуширина (м)',
    id: 'Идентификатор',
    name: 'Название',
    whatItIs: 'что это',
    airOperation: 'воздушная операция',
    groundMovement: 'наземное передвижение',
    siteProtected: 'объект (защищённый)',
    zone: 'зона',
    lower: 'Нижняя граница',
    upper: 'Верхняя граница',
    lowerUnit: 'единица нижней высоты',
    upperUnit: 'единица верхней высоты',
    unitM: 'м',
    unitFt: 'фут',
    startHelp: 'Начало (UTC: 1830Z, 2017-06-18T18:30Z или 181830ZJUN17)',
    endHelp: 'Конец (1930Z: первые 19:30Z после начала)',
    sharedWith: 'Кому доступно',
    newDeclaration: 'Новая заявка',
    checkpointWait: 'контрольная точка…',
    verifyHelp: 'Проверьте запись офлайн по её доказательству и листу:',
    verifyPolicy: '(политика называет ключ журнала линии и его свидетелей).',
    entriesShown: 'показанные записи',
    seq: '№',
    timeBy: 'время, кто',
    what: 'что',
    download: 'скачать',
  },
  ar: {
    title: 'deconflict — الخط',
    signinHelp: 'سجّل الدخول برمز طرفك. يبقى في هذا التبويب فقط.',
    token: 'الرمز',
    signIn: 'تسجيل الدخول',
    language: 'اللغة',
    declarations: 'الإعلانات',
    ownTracks: 'المسارات الخاصة',
    openAlerts: 'الإنذارات المفتوحة',
    signOut: 'تسجيل الخروج',
    map: 'الخريطة',
    parties: 'الأطراف',
    details: 'التفاصيل',
    play: '▶ تشغيل',
    now: 'الآن',
    sliderLabel: 'الوقت القادم بالدقائق',
    panels: 'اللوحات',
    conflicts: 'التعارضات',
    hotline: 'الخط الساخن',
    awaitingYou: 'بانتظارك',
    declare: 'إعلان',
    record: 'السجل',
    show: 'عرض',
    all: 'الكل',
    open: 'مفتوحة',
    acknowledged: 'مؤكَّد استلامها',
    accepted: 'مقبولة',
    disputed: 'متنازع عليها',
    resolved: 'محلولة',
    compose: 'رسالة جديدة',
    to: 'إلى',
    precedence: 'الأسبقية',
    kind: 'النوع',
    kindText: 'نص',
    kindNotice: 'إشعار',
    kindRequest: 'طلب',
    kindReply: 'رد',
    kindAssistance: 'مساعدة',
    kindNotMyForces: 'ليست قواتي',
    text: 'النص',
    send: 'إرسال',
    declareHelp: 'اختر شكلاً، ثم انقر على الخريطة أو اكتب النقاط. يتحقق الخط من المسودة أثناء الكتابة.',
    shape: 'الشكل',
    polygon: 'مضلع',
    circle: 'دائرة',
    corridor: 'ممر',
    clear: 'مسح',
    pointsHelp: 'النقاط (انقر على الخريطة، أو اكتب: خط الطول خط العرض بالدرجات، أو DMS مثل 353700N0384500E، أو MGRS؛ مفصولة بـ ;)',
    radiusKm: 'نصف القطر (كم)',
    halfWidthM: 'نصف العرض (م)',
    id: 'المعرّف',
    name: 'الاسم',
    whatItIs: 'ما هو',
    airOperation: 'عملية جوية',
    groundMovement: 'تحرك بري',
    siteProtected: 'موقع (محمي)',
    zone: 'منطقة',
    lower: 'الحد الأدنى',
    upper: 'الحد الأعلى',
    lowerUnit: 'وحدة الارتفاع الأدنى',
    upperUnit: 'وحدة الارتفاع الأعلى',
    unitM: 'م',
    unitFt: 'قدم',
    startHelp: 'البداية (UTC: 1830Z أو 2017-06-18T18:30Z أو 181830ZJUN17)',
    endHelp: 'النهاية (1930Z: أول 19:30Z بعد البداية)',
    sharedWith: 'مُشارَك مع',
    newDeclaration: 'إعلان جديد',
    checkpointWait: 'نقطة التحقق…',
    verifyHelp: 'تحقّق من قيد دون اتصال بواسطة إثباته وورقته:',
    verifyPolicy: '(تسمّي السياسة مفتاح سجل الخط وشهوده).',
    entriesShown: 'القيود المعروضة',
    seq: 'الرقم',
    timeBy: 'الوقت، من',
    what: 'ماذا',
    download: 'تنزيل',
  },
  tr: {
    title: 'deconflict — hat',
    signinHelp: 'Tarafınızın belirteciyle oturum açın. Belirteç yalnızca bu sekmede kalır.',
    token: 'Belirteç',
    signIn: 'Oturum aç',
    language: 'Dil',
    declarations: 'beyanlar',
    ownTracks: 'kendi izler',
    openAlerts: 'açık alarmlar',
    signOut: 'Oturumu kapat',
    map: 'harita',
    parties: 'taraflar',
    details: 'ayrıntılar',
    play: '▶ oynat',
    now: 'şimdi',
    sliderLabel: 'ileri zaman, dakika olarak',
    panels: 'paneller',
    conflicts: 'Çatışmalar',
    hotline: 'Sıcak hat',
    awaitingYou: 'sizi bekleyen',
    declare: 'Beyan et',
    record: 'Kayıt',
    show: 'Göster',
    all: 'tümü',
    open: 'açık',
    acknowledged: 'alındı',
    accepted: 'kabul edildi',
    disputed: 'itiraz edildi',
    resolved: 'çözüldü',
    compose: 'Yeni mesaj',
    to: 'Alıcı',
    precedence: 'Öncelik',
    kind: 'Tür',
    kindText: 'metin',
    kindNotice: 'duyuru',
    kindRequest: 'talep',
    kindReply: 'yanıt',
    kindAssistance: 'yardım',
    kindNotMyForces: 'benim kuvvetlerim değil',
    text: 'Metin',
    send: 'Gönder',
    declareHelp: 'Bir şekil seçin, sonra haritaya tıklayın ya da noktaları yazın. Hat, taslağı siz yazarken denetler.',
    shape: 'şekil',
    polygon: 'Çokgen',
    circle: 'Daire',
    corridor: 'Koridor',
    clear: 'Temizle',
    pointsHelp: 'Noktalar (haritaya tıklayın ya da yazın: derece olarak boylam enlem, 353700N0384500E gibi DMS ya da MGRS; ; ile ayırın)',
    radiusKm: 'Yarıçap (km)',
    halfWidthM: 'Yarı genişlik (m)',
    id: 'Kimlik',
    name: 'Ad',
    whatItIs: 'ne olduğu',
    airOperation: 'hava harekâtı',
    groundMovement: 'kara intikali',
    siteProtected: 'tesis (korunan)',
    zone: 'bölge',
    lower: 'Alt sınır',
    upper: 'Üst sınır',
    lowerUnit: 'alt irtifa birimi',
    upperUnit: 'üst irtifa birimi',
    unitM: 'm',
    unitFt: 'ft',
    startHelp: 'Başlangıç (UTC: 1830Z, 2017-06-18T18:30Z ya da 181830ZJUN17)',
    endHelp: 'Bitiş (1930Z: başlangıçtan sonraki ilk 19:30Z)',
    sharedWith: 'Paylaşılan taraflar',
    newDeclaration: 'Yeni beyan',
    checkpointWait: 'kontrol noktası…',
    verifyHelp: 'Bir kaydı kanıtı ve yaprağıyla çevrim dışı doğrulayın:',
    verifyPolicy: '(politika, hattın kayıt anahtarını ve tanıklarını adlandırır).',
    entriesShown: 'gösterilen kayıtlar',
    seq: 'sıra',
    timeBy: 'zaman, kim',
    what: 'ne',
    download: 'indir',
  },
});

type Key = Parameters<typeof t>[0];

/// Fills in the page's own words in the page's language (and sets `<html lang dir>`).
export function translatePage(root: ParentNode = document): void {
  setLang(lang());
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as Key);
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-attr]')) {
    for (const pair of (el.dataset.i18nAttr ?? '').split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr, t(key as Key));
    }
  }
  for (const sel of document.querySelectorAll<HTMLSelectElement>('select.lang-chooser')) fillChooser(sel);
}

function fillChooser(sel: HTMLSelectElement): void {
  if (sel.options.length !== LANGS.length) {
    sel.replaceChildren(
      ...LANGS.map((l) => {
        const o = document.createElement('option');
        o.value = l.code;
        o.lang = l.code;
        o.dir = l.dir;
        o.textContent = l.name;
        return o;
      }),
    );
  }
  sel.value = lang();
  if (!sel.getAttribute('aria-label')) sel.setAttribute('aria-label', t('language'));
}

/// The credential signed in, once it is.
let signedIn: string | undefined;

const isLang = (s: string): s is Lang => LANGS.some((l) => l.code === s);

/// The choosers. On the sign-in form, a choice is applied at once (nothing else is drawn yet) and remembered
/// in this browser; in the header, it is remembered for the signed-in user and the page reloaded (the tab's
/// sign-in survives), so that nothing drawn keeps the old language.
export function wireChoosers(): void {
  const signin = document.querySelector<HTMLSelectElement>('#signin-lang');
  signin?.addEventListener('change', () => {
    if (!isLang(signin.value)) return;
    rememberLang(signin.value);
    setLang(signin.value);
    translatePage();
  });
  const header = document.querySelector<HTMLSelectElement>('#header-lang');
  header?.addEventListener('change', () => {
    if (!isLang(header.value) || header.value === lang()) return;
    rememberLang(header.value, signedIn);
    location.reload();
  });
}

/// At sign-in as `user`: the language this user chose last wins over the page's, and is applied before
/// anything of the session is drawn; a user with none keeps the page's, now remembered as theirs.
export function signedInAs(user: string): void {
  signedIn = user;
  const theirs = userLang(user);
  if (theirs && theirs !== lang()) {
    setLang(theirs);
    translatePage();
  }
  rememberLang(lang(), user);
}
