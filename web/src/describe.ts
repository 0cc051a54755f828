// Names and words for what the line logs and lists, as a duty officer reads them: a declaration by its name
// with its id beside it (only names the party was given: its own declarations, those shared with it, and
// what its entries carry), a log entry as a sentence ("Conflict found between E2E strike package and ru-44
// of ru-gs", "FLASH message from us-cjtf to ru-gs acknowledged by ru-gs"), and each entry's group for the
// record's filter. Pure: the lookups are built from the store's state.

import { define, langInfo, type Params } from './i18n';
import { roleText } from './shell';
import type { State } from './store';
import { distanceText, durationText, heightText } from './text';
import { field, isRecord, type LogEvent, text } from './types';

/// An optional part of a sentence: `part` when the parameter `name` is given and not empty.
const opt = (p: Params, name: string, part: string) => (p[name] !== undefined && p[name] !== '' ? part : '');

const t = define('describe', {
  en: {
    named: '{name} ({id})',
    ofParty: '{label} of {party}',
    aTrack: 'a track',
    and: ' and ',
    tracks: 'tracks',
    protectedAreaOf: 'a protected area of {party}',
    protectedArea: 'a protected area',
    trackAt: '{track} at {h}',
    aTrackCap: 'A track',
    enterSoon: '{tracks} is predicted to enter {area} within the next 5 minutes.',
    enter: '{tracks} is predicted to enter {area}.',
    passNear: '{tracks} is predicted to pass {d} from the edge of {area}, closer than the agreed minimum around protected areas.',
    losNow: 'Separation is lost now',
    losIn: 'Separation will be lost in {t}',
    atRisk: 'Separation is at risk',
    closest: '; closest approach {d}',
    closestNow: '; closest approach {d} now',
    closestIn: '; closest approach {d} in {t}',
    separation: '{tracks}: {lost}{closest}.',
    twoTracks: 'Two tracks',
    air_operation: 'air operation',
    ground_movement: 'ground movement',
    site: 'protected site',
    zone: 'zone',
    line: 'deconfliction line',
    declaration: 'declaration',
    stActive: 'active',
    stPlanned: 'planned',
    stEnded: 'ended',
    stCancelled: 'cancelled',
    messageId: 'message {id}',
    message: (p) => `${opt(p, 'precedence', '{precedence} ')}message${opt(p, 'from', ' from {from}')}${opt(p, 'to', ' to {to}')}`,
    conflictId: 'conflict {id}',
    conflictBetween: 'the conflict between {x} and {y}',
    theLine: 'the line',
    changed: '{label} changed (version {version})',
    declared: '{party} declared the {kind} {label}',
    cancelledBy: '{label} cancelled by {by}',
    stateByLine: '{label} is now {state} (by the line, at its time)',
    stateBy: '{label} is now {state} (by {by})',
    conflictFound: 'Conflict found',
    conflictFoundBetween: 'Conflict found between {x} and {y}',
    conflictResolved: (p) => `{conflict} resolved${opt(p, 'reason', ' ({reason})')}`,
    conflictAcknowledged: (p) => `{by} acknowledged {conflict}${opt(p, 'reason', ': “{reason}”')}`,
    conflictAccepted: (p) => `{by} accepted {conflict}${opt(p, 'reason', ': “{reason}”')}`,
    conflictDisputed: (p) => `{by} disputed {conflict}${opt(p, 'reason', ': “{reason}”')}`,
    messageSent: (p) => `{message}${opt(p, 'text', ': “{text}”')}`,
    messageDelivered: '{message} delivered to {by}',
    messageAcknowledged: '{message} acknowledged by {by}',
    messageAnswered: (p) => `{message} answered by {by}${opt(p, 'text', ': “{text}”')}`,
    messageEscalated: 'Unacknowledged {message} escalated to the {level} of {party}',
    nextLevel: 'next level',
    alertRaised: 'Alert raised: {words}',
    alertUpdateWords: 'Alert update on {subject}: {words}',
    alertUpdate: 'Alert update on {subject}',
    alertClosed: (p) => `Alert on {subject} closed${opt(p, 'reason', ' ({reason})')}`,
    clearOfEachOther: 'clear of each other',
    agreementProposed: (p) => `{by} proposed agreement {id}${opt(p, 'title', ' “{title}”')}${opt(p, 'parties', ' to {parties}')}`,
    agreementAccepted: '{by} accepted agreement {id}',
    agreementSuspended: '{by} suspended agreement {id}',
    partyRegistered: (p) => `Party {id} registered ({kind}${opt(p, 'role', ', {role}')})`,
    credentialIssued: 'A {role} credential issued to {actor}',
    credentialRevoked: 'Credential {id} of {actor} revoked',
    itsDeclarations: 'its declarations',
    notificationSent: '{from} notified {to} of {what} (notification {id})',
    notificationAcknowledged: 'Notification {id} acknowledged by {by}',
    notificationEscalated: 'Unacknowledged notification {id} escalated to the {level}',
    notificationReconfirmed: 'Notification {id} re-confirmed by {by}',
    notificationLapsed: 'Notification {id} lapsed: not re-confirmed in time',
    notificationExpired: 'Notification {id} expired: what it notified has ended',
    incidentReported: 'Incident reported by {by} at {site}: “{text}”',
    deconflictionRequested: '{from} asked {to} whether a place is protected (request {id})',
    deconflictionAnswered: (p) => `Request {id} answered by {by}: {answer}${opt(p, 'site', ' ({site})')}`,
    protected: 'protected',
    notProtected: 'not protected',
    otherKindId: 'Entry of kind {kind}: {id}',
    otherKind: 'Entry of kind {kind}',
    declarations: 'declarations',
    conflicts: 'conflicts',
    hotline: 'hotline',
    notifications: 'notifications',
    alerts: 'alerts',
    gAlertUpdates: 'alert updates',
    agreements: 'agreements',
    gOther: 'other',
  },
  ru: {
    named: '{name} ({id})',
    ofParty: '{label} стороны {party}',
    aTrack: 'трек',
    and: ' и ',
    tracks: 'треки',
    protectedAreaOf: 'защищённый район стороны {party}',
    protectedArea: 'защищённый район',
    trackAt: '{track} на высоте {h}',
    aTrackCap: 'Трек',
    enterSoon: '{tracks}: по прогнозу войдёт в {area} в ближайшие 5 минут.',
    enter: '{tracks}: по прогнозу войдёт в {area}.',
    passNear: '{tracks}: по прогнозу пройдёт в {d} от границы района {area} — ближе согласованного минимума вокруг защищённых районов.',
    losNow: 'Безопасный интервал нарушен сейчас',
    losIn: 'Безопасный интервал будет нарушен через {t}',
    atRisk: 'Безопасный интервал под угрозой',
    closest: '; наименьшее расстояние {d}',
    closestNow: '; наименьшее расстояние {d} сейчас',
    closestIn: '; наименьшее расстояние {d} через {t}',
    separation: '{tracks}: {lost}{closest}.',
    twoTracks: 'Два трека',
    air_operation: 'воздушная операция',
    ground_movement: 'наземное передвижение',
    site: 'защищённый объект',
    zone: 'зона',
    line: 'линия разграничения',
    declaration: 'заявка',
    stActive: 'активна',
    stPlanned: 'запланирована',
    stEnded: 'завершена',
    stCancelled: 'отменена',
    messageId: 'сообщение {id}',
    message: (p) => `сообщение${opt(p, 'precedence', ' {precedence}')}${opt(p, 'from', ' от {from}')}${opt(p, 'to', ' для {to}')}`,
    conflictId: 'конфликт {id}',
    conflictBetween: 'конфликт между {x} и {y}',
    theLine: 'линия',
    changed: '{label}: изменена (версия {version})',
    declared: '{party}: новая заявка — {kind} {label}',
    cancelledBy: '{label}: отменена ({by})',
    stateByLine: '{label}: теперь {state} (линией, по её времени)',
    stateBy: '{label}: теперь {state} ({by})',
    conflictFound: 'Обнаружен конфликт',
    conflictFoundBetween: 'Обнаружен конфликт между {x} и {y}',
    conflictResolved: (p) => `{conflict} разрешён${opt(p, 'reason', ' ({reason})')}`,
    conflictAcknowledged: (p) => `{by}: подтверждён {conflict}${opt(p, 'reason', ': «{reason}»')}`,
    conflictAccepted: (p) => `{by}: принят {conflict}${opt(p, 'reason', ': «{reason}»')}`,
    conflictDisputed: (p) => `{by}: оспорен {conflict}${opt(p, 'reason', ': «{reason}»')}`,
    messageSent: (p) => `{message}${opt(p, 'text', ': «{text}»')}`,
    messageDelivered: '{message} доставлено {by}',
    messageAcknowledged: '{message}: получение подтверждено ({by})',
    messageAnswered: (p) => `{message}: ответ от {by}${opt(p, 'text', ': «{text}»')}`,
    messageEscalated: 'Неподтверждённое {message} передано выше: {level}, сторона {party}',
    nextLevel: 'следующий уровень',
    alertRaised: 'Тревога: {words}',
    alertUpdateWords: 'Обновление тревоги ({subject}): {words}',
    alertUpdate: 'Обновление тревоги ({subject})',
    alertClosed: (p) => `Тревога ({subject}) закрыта${opt(p, 'reason', ' ({reason})')}`,
    clearOfEachOther: 'разошлись',
    agreementProposed: (p) => `{by}: предложено соглашение {id}${opt(p, 'title', ' «{title}»')}${opt(p, 'parties', ' сторонам {parties}')}`,
    agreementAccepted: '{by}: принято соглашение {id}',
    agreementSuspended: '{by}: приостановлено соглашение {id}',
    partyRegistered: (p) => `Сторона {id} зарегистрирована ({kind}${opt(p, 'role', ', {role}')})`,
    credentialIssued: 'Выданы учётные данные ({role}) для {actor}',
    credentialRevoked: 'Отозваны учётные данные {id} стороны {actor}',
    itsDeclarations: 'её заявки',
    notificationSent: 'Уведомление {id} от {from} для {to}: {what}',
    notificationAcknowledged: 'Уведомление {id}: получение подтверждено ({by})',
    notificationEscalated: 'Неподтверждённое уведомление {id} передано выше: {level}',
    notificationReconfirmed: 'Уведомление {id} подтверждено повторно ({by})',
    notificationLapsed: 'Уведомление {id} утратило силу: не подтверждено повторно вовремя',
    notificationExpired: 'Срок уведомления {id} истёк: то, о чём оно уведомляло, завершилось',
    incidentReported: 'Инцидент ({by}) у объекта {site}: «{text}»',
    deconflictionRequested: '{from}: запрос к {to}, защищено ли место (запрос {id})',
    deconflictionAnswered: (p) => `Ответ на запрос {id} ({by}): {answer}${opt(p, 'site', ' ({site})')}`,
    protected: 'защищено',
    notProtected: 'не защищено',
    otherKindId: 'Запись вида {kind}: {id}',
    otherKind: 'Запись вида {kind}',
    declarations: 'заявки',
    conflicts: 'конфликты',
    hotline: 'горячая линия',
    notifications: 'уведомления',
    alerts: 'тревоги',
    gAlertUpdates: 'обновления тревог',
    agreements: 'соглашения',
    gOther: 'прочее',
  },
  ar: {
    named: '{name} ({id})',
    ofParty: '{label} التابع لـ {party}',
    aTrack: 'مسار',
    and: ' و',
    tracks: 'مسارات',
    protectedAreaOf: 'منطقة محمية تابعة لـ {party}',
    protectedArea: 'منطقة محمية',
    trackAt: '{track} على ارتفاع {h}',
    aTrackCap: 'مسار',
    enterSoon: '{tracks}: يُتوقع أن يدخل {area} خلال الدقائق الخمس القادمة.',
    enter: '{tracks}: يُتوقع أن يدخل {area}.',
    passNear: '{tracks}: يُتوقع أن يمر على بعد {d} من حافة {area}، أقرب من الحد الأدنى المتفق عليه حول المناطق المحمية.',
    losNow: 'فُقد الفصل الآمن الآن',
    losIn: 'سيُفقد الفصل الآمن خلال {t}',
    atRisk: 'الفصل الآمن مهدد',
    closest: '؛ أقرب اقتراب {d}',
    closestNow: '؛ أقرب اقتراب {d} الآن',
    closestIn: '؛ أقرب اقتراب {d} بعد {t}',
    separation: '{tracks}: {lost}{closest}.',
    twoTracks: 'مساران',
    air_operation: 'عملية جوية',
    ground_movement: 'تحرك بري',
    site: 'موقع محمي',
    zone: 'منطقة',
    line: 'خط فض الاشتباك',
    declaration: 'إعلان',
    stActive: 'نشط',
    stPlanned: 'مخطط',
    stEnded: 'منتهٍ',
    stCancelled: 'ملغى',
    messageId: 'الرسالة {id}',
    message: (p) => `رسالة${opt(p, 'precedence', ' {precedence}')}${opt(p, 'from', ' من {from}')}${opt(p, 'to', ' إلى {to}')}`,
    conflictId: 'التعارض {id}',
    conflictBetween: 'التعارض بين {x} و{y}',
    theLine: 'الخط',
    changed: '{label}: عُدِّل (النسخة {version})',
    declared: '{party}: إعلان {kind} {label}',
    cancelledBy: '{label}: أُلغي ({by})',
    stateByLine: '{label}: أصبح الآن {state} (بواسطة الخط، في وقته)',
    stateBy: '{label}: أصبح الآن {state} ({by})',
    conflictFound: 'اكتُشف تعارض',
    conflictFoundBetween: 'اكتُشف تعارض بين {x} و{y}',
    conflictResolved: (p) => `{conflict}: حُلّ${opt(p, 'reason', ' ({reason})')}`,
    conflictAcknowledged: (p) => `{by}: أكّد استلام {conflict}${opt(p, 'reason', ': «{reason}»')}`,
    conflictAccepted: (p) => `{by}: قَبِل {conflict}${opt(p, 'reason', ': «{reason}»')}`,
    conflictDisputed: (p) => `{by}: اعترض على {conflict}${opt(p, 'reason', ': «{reason}»')}`,
    messageSent: (p) => `{message}${opt(p, 'text', ': «{text}»')}`,
    messageDelivered: '{message}: سُلّمت إلى {by}',
    messageAcknowledged: '{message}: أكّد {by} استلامها',
    messageAnswered: (p) => `{message}: ردّ {by}${opt(p, 'text', ': «{text}»')}`,
    messageEscalated: '{message} غير المؤكدة رُفعت إلى {level} لدى {party}',
    nextLevel: 'المستوى التالي',
    alertRaised: 'إنذار: {words}',
    alertUpdateWords: 'تحديث الإنذار بشأن {subject}: {words}',
    alertUpdate: 'تحديث الإنذار بشأن {subject}',
    alertClosed: (p) => `أُغلق الإنذار بشأن {subject}${opt(p, 'reason', ' ({reason})')}`,
    clearOfEachOther: 'ابتعدا عن بعضهما',
    agreementProposed: (p) => `{by}: اقتراح الاتفاق {id}${opt(p, 'title', ' «{title}»')}${opt(p, 'parties', ' على {parties}')}`,
    agreementAccepted: '{by}: قبول الاتفاق {id}',
    agreementSuspended: '{by}: تعليق الاتفاق {id}',
    partyRegistered: (p) => `سُجّل الطرف {id} ({kind}${opt(p, 'role', '، {role}')})`,
    credentialIssued: 'صدرت بيانات اعتماد ({role}) لـ {actor}',
    credentialRevoked: 'أُلغيت بيانات الاعتماد {id} التابعة لـ {actor}',
    itsDeclarations: 'إعلاناته',
    notificationSent: 'الإشعار {id} من {from} إلى {to}: {what}',
    notificationAcknowledged: 'الإشعار {id}: أكّد {by} استلامه',
    notificationEscalated: 'الإشعار {id} غير المؤكد رُفع إلى {level}',
    notificationReconfirmed: 'الإشعار {id}: أعاد {by} تأكيده',
    notificationLapsed: 'سقط الإشعار {id}: لم يُعَد تأكيده في الوقت المحدد',
    notificationExpired: 'انتهى الإشعار {id}: انتهى ما أشعر به',
    incidentReported: 'حادث أبلغ عنه {by} عند {site}: «{text}»',
    deconflictionRequested: '{from}: سؤال إلى {to} عمّا إذا كان مكان ما محمياً (الطلب {id})',
    deconflictionAnswered: (p) => `الطلب {id}: أجاب {by}: {answer}${opt(p, 'site', ' ({site})')}`,
    protected: 'محمي',
    notProtected: 'غير محمي',
    otherKindId: 'قيد من نوع {kind}: {id}',
    otherKind: 'قيد من نوع {kind}',
    declarations: 'الإعلانات',
    conflicts: 'التعارضات',
    hotline: 'الخط الساخن',
    notifications: 'الإشعارات',
    alerts: 'الإنذارات',
    gAlertUpdates: 'تحديثات الإنذارات',
    agreements: 'الاتفاقات',
    gOther: 'أخرى',
  },
  tr: {
    named: '{name} ({id})',
    ofParty: '{party} tarafının {label}',
    aTrack: 'bir iz',
    and: ' ve ',
    tracks: 'izler',
    protectedAreaOf: '{party} tarafının korunan bir alanı',
    protectedArea: 'korunan bir alan',
    trackAt: '{track} {h} irtifada',
    aTrackCap: 'Bir iz',
    enterSoon: '{tracks}: önümüzdeki 5 dakika içinde {area} alanına girmesi bekleniyor.',
    enter: '{tracks}: {area} alanına girmesi bekleniyor.',
    passNear: '{tracks}: {area} alanının kenarından {d} mesafeden geçmesi bekleniyor; korunan alanlar çevresinde kararlaştırılan asgari mesafeden yakın.',
    losNow: 'Ayırma şu anda kayboldu',
    losIn: 'Ayırma {t} içinde kaybolacak',
    atRisk: 'Ayırma tehlikede',
    closest: '; en yakın yaklaşma {d}',
    closestNow: '; en yakın yaklaşma {d}, şimdi',
    closestIn: '; en yakın yaklaşma {d}, {t} sonra',
    separation: '{tracks}: {lost}{closest}.',
    twoTracks: 'İki iz',
    air_operation: 'hava harekâtı',
    ground_movement: 'kara intikali',
    site: 'korunan tesis',
    zone: 'bölge',
    line: 'ayrım hattı',
    declaration: 'beyan',
    stActive: 'etkin',
    stPlanned: 'planlandı',
    stEnded: 'sona erdi',
    stCancelled: 'iptal edildi',
    messageId: 'mesaj {id}',
    message: (p) => `${opt(p, 'precedence', '{precedence} ')}mesaj${opt(p, 'from', ', gönderen {from}')}${opt(p, 'to', ', alıcı {to}')}`,
    conflictId: 'çatışma {id}',
    conflictBetween: '{x} ile {y} arasındaki çatışma',
    theLine: 'hat',
    changed: '{label} değiştirildi (sürüm {version})',
    declared: '{party} beyan etti: {kind} {label}',
    cancelledBy: '{label} iptal edildi ({by})',
    stateByLine: '{label} artık {state} (hat tarafından, kendi saatinde)',
    stateBy: '{label} artık {state} ({by})',
    conflictFound: 'Çatışma bulundu',
    conflictFoundBetween: '{x} ile {y} arasında çatışma bulundu',
    conflictResolved: (p) => `{conflict} çözüldü${opt(p, 'reason', ' ({reason})')}`,
    conflictAcknowledged: (p) => `{by}: {conflict} — alındı${opt(p, 'reason', ': “{reason}”')}`,
    conflictAccepted: (p) => `{by}: {conflict} — kabul edildi${opt(p, 'reason', ': “{reason}”')}`,
    conflictDisputed: (p) => `{by}: {conflict} — itiraz edildi${opt(p, 'reason', ': “{reason}”')}`,
    messageSent: (p) => `{message}${opt(p, 'text', ': “{text}”')}`,
    messageDelivered: '{message}: {by} tarafına teslim edildi',
    messageAcknowledged: '{message}: {by} alındığını bildirdi',
    messageAnswered: (p) => `{message}: {by} yanıtladı${opt(p, 'text', ': “{text}”')}`,
    messageEscalated: 'Alındısı bildirilmeyen {message}, {party} tarafında {level} düzeyine yükseltildi',
    nextLevel: 'bir üst',
    alertRaised: 'Alarm: {words}',
    alertUpdateWords: 'Alarm güncellemesi ({subject}): {words}',
    alertUpdate: 'Alarm güncellemesi ({subject})',
    alertClosed: (p) => `Alarm ({subject}) kapatıldı${opt(p, 'reason', ' ({reason})')}`,
    clearOfEachOther: 'birbirlerinden uzaklaştılar',
    agreementProposed: (p) => `{by}: {id} anlaşması önerildi${opt(p, 'title', ' “{title}”')}${opt(p, 'parties', ', taraflar: {parties}')}`,
    agreementAccepted: '{by}: {id} anlaşması kabul edildi',
    agreementSuspended: '{by}: {id} anlaşması askıya alındı',
    partyRegistered: (p) => `Taraf {id} kaydedildi ({kind}${opt(p, 'role', ', {role}')})`,
    credentialIssued: '{actor} için {role} kimlik bilgisi verildi',
    credentialRevoked: '{actor} tarafının {id} kimlik bilgisi iptal edildi',
    itsDeclarations: 'beyanları',
    notificationSent: 'Bilgilendirme {id}: {from} → {to}, konu: {what}',
    notificationAcknowledged: 'Bilgilendirme {id}: {by} alındığını bildirdi',
    notificationEscalated: 'Alındısı bildirilmeyen bilgilendirme {id}, {level} düzeyine yükseltildi',
    notificationReconfirmed: 'Bilgilendirme {id}: {by} yeniden teyit etti',
    notificationLapsed: 'Bilgilendirme {id} düştü: zamanında yeniden teyit edilmedi',
    notificationExpired: 'Bilgilendirme {id} sona erdi: bildirdiği şey bitti',
    incidentReported: '{by} tarafından {site} yakınında olay bildirildi: “{text}”',
    deconflictionRequested: '{from}, {to} tarafına bir yerin korunup korunmadığını sordu (talep {id})',
    deconflictionAnswered: (p) => `Talep {id}: {by} yanıtladı: {answer}${opt(p, 'site', ' ({site})')}`,
    protected: 'korunuyor',
    notProtected: 'korunmuyor',
    otherKindId: '{kind} türünde kayıt: {id}',
    otherKind: '{kind} türünde kayıt',
    declarations: 'beyanlar',
    conflicts: 'çatışmalar',
    hotline: 'sıcak hat',
    notifications: 'bilgilendirmeler',
    alerts: 'alarmlar',
    gAlertUpdates: 'alarm güncellemeleri',
    agreements: 'anlaşmalar',
    gOther: 'diğer',
  },
});

/// What the party knows of a message, for naming it.
export interface MessageInfo {
  precedence?: string;
  from?: string;
  to?: string[];
}

/// One side of a conflict: its declaration and party.
export interface Side {
  id: string;
  party?: string;
}

/// The lookups an entry's words need.
export interface Names {
  /// The party the page is signed in as.
  me: string;
  /// A declaration's name, when the party was given one.
  declaration(party: string | undefined, id: string): string | undefined;
  message(id: string): MessageInfo | undefined;
  conflict(id: string): [Side, Side] | undefined;
  /// What an alert was about, in a few words (its tracks), once raised.
  alert(id: string): string | undefined;
}

const key = (party: string | undefined, id: string) => `${party ?? ''}/${id}`;

/// The lookups from the store's state: its declarations, conflicts and boxes, and the entries it holds.
export function namesOf(s: State): Names {
  const decl = new Map<string, string>();
  const byId = new Map<string, string>();
  const messages = new Map<string, MessageInfo>();
  const conflicts = new Map<string, [Side, Side]>();
  const alerts = new Map<string, string>();
  const note = (party: string | undefined, id: string | undefined, name: string | undefined) => {
    if (!id || !name) return;
    decl.set(key(party, id), name);
    if (!byId.has(id)) byId.set(id, name);
  };
  for (const e of s.events) {
    const c = e.content;
    if (e.kind === 'declaration.version') note(text(c, 'party') ?? e.actor, text(c, 'id'), text(c, 'name'));
    else if (e.kind === 'message.sent') {
      const id = text(c, 'id');
      const to = field(c, 'to');
      if (id) messages.set(id, { precedence: text(c, 'precedence'), from: text(c, 'from'), to: Array.isArray(to) ? to.map(String) : undefined });
    } else if (e.kind === 'conflict.found') {
      const id = text(c, 'id');
      const a = sideOf(field(c, 'a'));
      const b = sideOf(field(c, 'b'));
      if (id && a && b) conflicts.set(id, [a, b]);
    } else if (e.kind === 'alert.raised') {
      const id = text(c, 'id');
      if (id) alerts.set(id, alertSubject(c));
    }
  }
  for (const d of s.declarations) note(d.party, d.id, d.declaration.name ?? undefined);
  for (const c of s.conflicts) {
    if (c.declaration && c.other) conflicts.set(c.id, [{ id: c.declaration.id, party: s.who.party }, { id: c.other.id, party: c.other.party }]);
  }
  for (const box of Object.values(s.boxes)) {
    for (const m of box) messages.set(m.id, { precedence: m.precedence, from: m.from, to: m.to ?? undefined });
  }
  for (const a of s.alerts) if (!alerts.has(a.id)) alerts.set(a.id, alertSubject(a));
  return {
    me: s.who.party,
    declaration: (party, id) => (party === undefined ? byId.get(id) : decl.get(key(party, id))),
    message: (id) => messages.get(id),
    conflict: (id) => conflicts.get(id),
    alert: (id) => alerts.get(id),
  };
}

function sideOf(v: unknown): Side | undefined {
  const id = text(v, 'id');
  return id ? { id, party: text(v, 'party') } : undefined;
}

/// A declaration as named to the party: `Name (id)` when it has a name, else its id; `of party` when it is
/// another party's.
export function declarationLabel(n: Names, party: string | undefined, id: string, withParty = true): string {
  const name = n.declaration(party, id);
  const label = name && name !== id ? t('named', { name, id }) : id;
  return withParty && party && party !== n.me ? t('ofParty', { label, party }) : label;
}

/// A track as named: its callsign (else its id) and party.
function trackName(tr: unknown): string {
  const who = text(tr, 'callsign') || text(tr, 'id') || t('aTrack');
  const party = text(tr, 'party');
  return party ? t('named', { name: who, id: party }) : who;
}

/// The tracks an alert is about, in a few words.
function alertSubject(a: unknown): string {
  const tracks = field(a, 'tracks');
  const list = Array.isArray(tracks) ? tracks.map(trackName) : [];
  return list.join(t('and')) || t('tracks');
}

/// The area an incursion alert names: its name and id when the party was given it, else only its party.
export function areaLabel(area: unknown): string {
  const id = text(area, 'id');
  const name = text(area, 'name');
  const party = text(area, 'party');
  if (!id) return party ? t('protectedAreaOf', { party }) : t('protectedArea');
  const label = name && name !== id ? t('named', { name, id }) : id;
  return party ? t('ofParty', { label, party }) : label;
}

/// What a live alert says, as sentences: who, what, how close and when. `a` is an alert as listed or as
/// logged.
export function alertWords(a: unknown): string {
  const tracks = field(a, 'tracks');
  const list = Array.isArray(tracks) ? tracks : [];
  const at = (tr: unknown) => t('trackAt', { track: trackName(tr), h: heightText(Number(field(tr, 'alt_m'))) });
  if (text(a, 'kind') === 'incursion') {
    const d = field(a, 'distance_m');
    const area = areaLabel(field(a, 'declaration'));
    const who = list.map(at).join(', ') || t('aTrackCap');
    if (typeof d !== 'number') return t('enterSoon', { tracks: who, area });
    return d <= 0 ? t('enter', { tracks: who, area }) : t('passNear', { tracks: who, area, d: distanceText(d) });
  }
  const cpa = field(a, 'd_cpa_m');
  const tcpa = field(a, 't_cpa_s');
  const tlos = field(a, 't_los_s');
  const lost = field(a, 'los') === true ? t('losNow') : typeof tlos === 'number' ? t('losIn', { t: durationText(tlos) }) : t('atRisk');
  const closest =
    typeof cpa !== 'number'
      ? ''
      : typeof tcpa !== 'number'
        ? t('closest', { d: distanceText(cpa) })
        : tcpa <= 0
          ? t('closestNow', { d: distanceText(cpa) })
          : t('closestIn', { d: distanceText(cpa), t: durationText(tcpa) });
  return t('separation', { tracks: list.map(at).join(t('and')) || t('twoTracks'), lost, closest });
}

/// A declaration's kind in words (a kind this picture does not know: as the line gives it).
export function kindText(kind: string | undefined): string {
  switch (kind) {
    case 'air_operation':
    case 'ground_movement':
    case 'site':
    case 'zone':
    case 'line':
      return t(kind);
    default:
      return kind ?? t('declaration');
  }
}

/// A declaration's state in words, as the record says it.
function stateText(state: string | undefined): string {
  switch (state) {
    case 'active':
      return t('stActive');
    case 'planned':
      return t('stPlanned');
    case 'ended':
      return t('stEnded');
    case 'cancelled':
      return t('stCancelled');
    default:
      return state ?? '?';
  }
}

/// A message as named: `FLASH message from us-cjtf to ru-gs` (or its id when the party knows no more).
function messageLabel(n: Names, id: string): string {
  const m = n.message(id);
  if (!m) return t('messageId', { id });
  return t('message', { precedence: m.precedence ?? '', from: m.from ?? '', to: m.to?.join(', ') ?? '' }).trim();
}

function conflictLabel(n: Names, id: string): string {
  const sides = n.conflict(id);
  if (!sides) return t('conflictId', { id: `${id.slice(0, 10)}…` });
  // One's own side first.
  const [x, y] = sides[1].party === n.me ? [sides[1], sides[0]] : sides;
  return t('conflictBetween', { x: declarationLabel(n, x.party, x.id), y: declarationLabel(n, y.party, y.id) });
}

/// An escalation's level: a role in words, else as the line names it, else "the next level".
const levelText = (level: string | undefined) => (level ? roleText(level) : t('nextLevel'));

const clip = (s: string, max = 90) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/// A log entry as a sentence.
export function describeEntry(e: LogEvent, n: Names): string {
  const c = e.content;
  const id = text(c, 'id') ?? '';
  const line = e.actor === 'line';
  const by = line ? t('theLine') : e.actor;
  const reason = text(c, 'reason') ?? '';
  const said = text(c, 'text') ?? '';
  switch (e.kind) {
    case 'declaration.version': {
      const party = text(c, 'party') ?? e.actor;
      const version = Number(field(c, 'version') ?? 1);
      const label = declarationLabel(n, party, id);
      return version > 1 ? t('changed', { label, version: String(version) }) : t('declared', { party, kind: kindText(text(c, 'kind')), label });
    }
    case 'declaration.cancel':
      return t('cancelledBy', { label: declarationLabel(n, line ? undefined : e.actor, id), by });
    case 'declaration.state': {
      const label = declarationLabel(n, text(c, 'party') ?? (line ? undefined : e.actor), id);
      const state = stateText(text(c, 'state'));
      return line ? t('stateByLine', { label, state }) : t('stateBy', { label, state, by });
    }
    case 'conflict.found': {
      const a = sideOf(field(c, 'a'));
      const b = sideOf(field(c, 'b'));
      if (!a || !b) return t('conflictFound');
      // One's own side first.
      const [x, y] = b.party === n.me ? [b, a] : [a, b];
      return t('conflictFoundBetween', { x: declarationLabel(n, x.party, x.id), y: declarationLabel(n, y.party, y.id) });
    }
    case 'conflict.resolved':
      return cap(t('conflictResolved', { conflict: conflictLabel(n, id), reason }));
    case 'conflict.acknowledged':
      return t('conflictAcknowledged', { by, conflict: conflictLabel(n, id), reason: clip(reason, 60) });
    case 'conflict.accepted':
      return t('conflictAccepted', { by, conflict: conflictLabel(n, id), reason: clip(reason, 60) });
    case 'conflict.disputed':
      return t('conflictDisputed', { by, conflict: conflictLabel(n, id), reason: clip(reason, 60) });
    case 'message.sent':
      return cap(t('messageSent', { message: messageLabel(n, id), text: clip(said, 70) }));
    case 'message.delivered':
      return cap(t('messageDelivered', { message: messageLabel(n, id), by }));
    case 'message.acknowledged':
      return cap(t('messageAcknowledged', { message: messageLabel(n, id), by }));
    case 'message.answered':
      return cap(t('messageAnswered', { message: messageLabel(n, id), by, text: clip(said, 60) }));
    case 'message.escalated':
      return t('messageEscalated', { message: messageLabel(n, id), level: levelText(text(c, 'level')), party: text(c, 'party') ?? '?' });
    case 'alert.raised':
      return t('alertRaised', { words: alertWords(c) });
    case 'alert.updated': {
      // A separation's update carries its new figures; an incursion's detail for the areas' party its area.
      const kind = text(c, 'kind') ?? (field(c, 'd_cpa_m') !== undefined ? 'separation' : field(c, 'declaration') ? 'incursion' : undefined);
      const tracks = field(c, 'tracks') ?? [];
      const subject = n.alert(id) ?? id;
      return isRecord(c) && kind ? t('alertUpdateWords', { subject, words: alertWords({ ...c, kind, tracks }) }) : t('alertUpdate', { subject });
    }
    case 'alert.closed':
      return t('alertClosed', { subject: n.alert(id) ?? id, reason: reason === 'clear' ? t('clearOfEachOther') : reason });
    case 'agreement.proposed': {
      const parties = field(c, 'parties');
      return t('agreementProposed', { by, id, title: clip(text(c, 'title') ?? '', 50), parties: Array.isArray(parties) ? parties.join(', ') : '' });
    }
    case 'agreement.accepted':
      return t('agreementAccepted', { by, id });
    case 'agreement.suspended':
      return t('agreementSuspended', { by, id });
    case 'party.registered':
      return t('partyRegistered', { id, kind: text(c, 'kind') ?? '', role: text(c, 'role') ? roleText(text(c, 'role') ?? '') : '' });
    case 'credential.issued':
      return t('credentialIssued', { role: roleText(text(c, 'role') ?? ''), actor: e.actor });
    case 'credential.revoked':
      return t('credentialRevoked', { id, actor: e.actor });
    case 'notification.sent': {
      const pinned = field(c, 'declarations');
      const what = Array.isArray(pinned)
        ? pinned.map((d) => declarationLabel(n, text(c, 'from'), text(d, 'id') ?? '?')).join(', ')
        : t('itsDeclarations');
      return t('notificationSent', { from: text(c, 'from') ?? by, to: text(c, 'to') ?? '?', what: clip(what, 70), id });
    }
    case 'notification.acknowledged':
      return t('notificationAcknowledged', { id, by });
    case 'notification.escalated':
      return t('notificationEscalated', { id, level: levelText(text(c, 'level')) });
    case 'notification.reconfirmed':
      return t('notificationReconfirmed', { id, by });
    case 'notification.lapsed':
      return t('notificationLapsed', { id });
    case 'notification.expired':
      return t('notificationExpired', { id });
    case 'incident.reported':
      return t('incidentReported', { by, site: declarationLabel(n, text(c, 'party'), text(c, 'site') ?? '?'), text: clip(text(c, 'description') ?? '', 60) });
    case 'deconfliction.requested':
      return t('deconflictionRequested', { from: text(c, 'from') ?? by, to: text(c, 'to') ?? '?', id });
    case 'deconfliction.answered':
      return t('deconflictionAnswered', { id, by, answer: field(c, 'protected') === true ? t('protected') : t('notProtected'), site: text(c, 'site') ?? '' });
    default:
      return id ? t('otherKindId', { kind: e.kind, id }) : t('otherKind', { kind: e.kind });
  }
}

const cap = (s: string) => s.charAt(0).toLocaleUpperCase(langInfo().locale) + s.slice(1);

/// The record's groups, for its filter: alert updates apart from the rest of the alerts (they are most of a
/// busy line's entries and say least).
export const ENTRY_GROUPS = ['declarations', 'conflicts', 'hotline', 'notifications', 'alerts', 'alert updates', 'agreements', 'other'] as const;
export type EntryGroup = (typeof ENTRY_GROUPS)[number];

/// A group's name in the page's language.
export function groupName(g: EntryGroup): string {
  return t(g === 'alert updates' ? 'gAlertUpdates' : g === 'other' ? 'gOther' : g);
}

export function entryGroup(kind: string): EntryGroup {
  if (kind === 'alert.updated') return 'alert updates';
  const head = kind.split('.')[0];
  if (head === 'declaration') return 'declarations';
  if (head === 'conflict') return 'conflicts';
  if (head === 'message') return 'hotline';
  if (head === 'notification' || head === 'incident' || head === 'deconfliction') return 'notifications';
  if (head === 'alert') return 'alerts';
  if (head === 'agreement') return 'agreements';
  return 'other';
}
