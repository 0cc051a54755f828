// The Notifications panel: humanitarian notifications of protected sites and movements, as the party sent
// or received them. Always at its top, a plain statement that a notification is not a guarantee of safety.
// For a recipient, its inbox: what was notified (names, framed on the map when clicked), the note, the
// acknowledgement deadline with its countdown and "Acknowledge"; for a notifier, its outbox, one card per
// sending with each recipient's state (sent, acknowledged at, overdue, escalated to a level, lapsed,
// expired, superseded) and the re-confirmation deadline with its countdown and "Re-confirm"; a form to
// notify. Then deconfliction requests (ask a notifier whether a place is protected; answer one asked of
// the party), and the incident report: the site's whole notification history as the line returns it, with
// its proof bundle to download and verify offline. States are shown in colour and in words. The tab's badge
// counts what awaits the party: notifications to acknowledge, requests to answer, re-confirmations due
// within a day.

import { untranslated } from '../templates';
import type { Api } from '../api';
import { lineNow } from '../clock';
import { declarationLabel, namesOf } from '../describe';
import { $, h } from '../dom';
import { define, langInfo } from '../i18n';
import { type Card, KeyedList } from '../keyed';
import type { Picture } from '../picture';
import { act } from '../shell';
import type { State, Store } from '../store';
import type { Sync } from '../sync';
import { countdown, grouped } from '../text';
import { dtg, fullTime, readTime, type TimeRead } from '../times';
import {
  type DeconflictionAnswer,
  type DeconflictionRequestInput,
  type DeconflictionRequestView,
  field,
  type IncidentInput,
  type IncidentReport,
  type NotificationInput,
  type NotificationView,
  text,
} from '../types';

const t = define('notifications', {
  en: {
    tab: 'Notifications',
    warning:
      'A notification is not a guarantee of safety. It is a record, in the tamper-evident log, of who was told of which protected site or movement, at which version, and who acknowledged it when.',
    received: 'Received ({n})',
    sent: 'Sent ({n})',
    none: 'none',
    retiredNote: 'Lapsed, expired and superseded notifications leave these lists a day (of the line’s clock) after they close. The log keeps them: the record shows them, an incident’s history lists them, and each can still be read by its id.',
    sites: 'Protected sites',
    movement: 'Movement',
    from: 'from {party}',
    to: 'to {parties}',
    sentAt: 'sent {time}',
    mapTitle: 'show {what} on the map',
    state_sent: 'sent, awaiting acknowledgement',
    state_acknowledged: 'acknowledged {time}',
    state_overdue: 'OVERDUE: not acknowledged by {time}',
    state_escalated: 'ESCALATED to the {level}: not acknowledged',
    state_lapsed: 'LAPSED {time}: not re-confirmed in time; do not rely on it',
    state_expired: 'expired {time}: what it notified has ended',
    state_superseded: 'SUPERSEDED: a newer version or a cancellation; it must be notified again',
    level_commander: 'commander',
    level_chief: 'chief',
    deadline: 'acknowledge by {time}',
    overdueFor: 'OVERDUE {t}',
    left: '{t} left',
    days: '{d} d {rest}',
    acknowledge: 'Acknowledge',
    acknowledged: 'Acknowledged',
    reconfirmBy: 'Re-confirm by {time}',
    lapsesAt: 'Lapses {time} unless its notifier re-confirms it',
    reconfirm: 'Re-confirm',
    reconfirmed: 'Re-confirmed',
    reconfirmAll: 'Re-confirm all',
    reconfirmFor: 'Re-confirm for {party}',
    version: 'version {v}',
    expires: 'expires {time}, at the movement’s end',
    // Notify form
    notifyHead: 'Notify parties',
    notifyWhat: 'What (your own sites, or one ground movement)',
    notifyNone: 'You have no site or ground movement to notify.',
    notifyTo: 'To',
    note: 'Note',
    reconfirmS: 'Re-confirm every (hours; empty: as the agreements say)',
    notify: 'Notify',
    notified: 'Notified',
    // Deconfliction requests
    requestsHead: 'Deconfliction requests ({n})',
    askHead: 'Ask whether a place is protected',
    askTo: 'Notifier asked',
    askSite: 'Place: a site notified to you',
    askSiteNone: '— or type the place below —',
    askPoint: 'Or a point: lon lat (degrees)',
    radius: 'Radius (m; empty: the point alone)',
    start: 'From (UTC: 1830Z, 181830ZJUN17 or RFC 3339)',
    end: 'To (UTC)',
    question: 'Question',
    ask: 'Ask',
    asked: 'Asked',
    readAs: '= {dtg}',
    requestTitle: '{from} asked {to} · request {id}',
    within: 'within {r} m of {place}',
    at: 'at {place}',
    window: 'from {start} to {end}',
    askedAt: 'asked {time}',
    answerBy: 'answer by {time}',
    answerOverdue: 'OVERDUE: not answered by {time}',
    isProtected: 'Answered {time}: PROTECTED',
    notProtected: 'Answered {time}: NOT PROTECTED',
    site: 'site {site}',
    answerProtected: 'Protected',
    answerNotProtected: 'Not protected',
    answerSite: 'Which of your sites',
    answerNoSite: '— none —',
    answerText: 'Answer text',
    answer: 'Answer',
    answered: 'Answered',
    // Incidents
    incidentHead: 'Report an incident at a notified site',
    incidentSite: 'Site',
    incidentNoSite: 'No site of yours, and none notified to you.',
    incidentTime: 'When (UTC: 1830Z, 181830ZJUN17 or RFC 3339)',
    incidentPlace: 'Where: lon lat (degrees), or words (optional)',
    incidentText: 'What happened',
    report: 'Report the incident',
    reported: 'Incident {id} logged (entry {seq}) at {site}, {time}',
    history: 'The site’s notification history as you may read it',
    historyLine: '{id}: {from} → {to}, version {v}, now {status}',
    atIncident: 'In force at the incident’s time ({time}): version {v}',
    atIncidentLine: '{id} to {to}: {status} (entry {seq})',
    nothingInForce: 'no notification of the site was in force then',
    entry: 'entry {seq}',
    event_sent: 'sent',
    event_acknowledged: 'acknowledged',
    event_escalated: 'escalated to the {level}',
    event_reconfirmed: 're-confirmed',
    event_lapsed: 'lapsed',
    event_expired: 'expired',
    event_superseded: 'superseded',
    status_pending: 'pending',
    status_acknowledged: 'acknowledged',
    status_lapsed: 'lapsed',
    status_expired: 'expired',
    status_superseded: 'superseded',
    download: 'Download the proof bundle',
    verify: 'Verify it offline: deconflict log verify-proof --policy POLICY --bundle FILE (the policy names the line’s log key and its witnesses).',
    badge: '{n} awaiting you: notifications to acknowledge, requests to answer, re-confirmations due within a day',
  },
  ru: {
    tab: 'Уведомления',
    warning:
      'Уведомление не является гарантией безопасности. Это запись в защищённом от подделки журнале о том, кому, о каком охраняемом объекте или передвижении, в какой версии было сообщено и кто и когда подтвердил получение.',
    received: 'Полученные ({n})',
    sent: 'Отправленные ({n})',
    none: 'нет',
    retiredNote: 'Истёкшие, просроченные и заменённые уведомления уходят из этих списков через сутки (по часам линии) после закрытия. Журнал хранит их: они видны в журнале, перечислены в истории инцидента, и каждое можно прочитать по его номеру.',
    sites: 'Охраняемые объекты',
    movement: 'Передвижение',
    from: 'от {party}',
    to: 'кому: {parties}',
    sentAt: 'отправлено {time}',
    mapTitle: 'показать {what} на карте',
    state_sent: 'отправлено, ожидает подтверждения',
    state_acknowledged: 'подтверждено {time}',
    state_overdue: 'ПРОСРОЧЕНО: не подтверждено к {time}',
    state_escalated: 'ЭСКАЛИРОВАНО: доложено {level}; не подтверждено',
    state_lapsed: 'УТРАТИЛО СИЛУ {time}: не подтверждено повторно в срок; на него нельзя полагаться',
    state_expired: 'истекло {time}: заявленное завершилось',
    state_superseded: 'ЗАМЕНЕНО: новая версия или отмена; требуется новое уведомление',
    level_commander: 'командиру',
    level_chief: 'начальнику',
    deadline: 'подтвердить до {time}',
    overdueFor: 'ПРОСРОЧЕНО {t}',
    left: 'осталось {t}',
    days: '{d} сут {rest}',
    acknowledge: 'Подтвердить',
    acknowledged: 'Подтверждено',
    reconfirmBy: 'Подтвердить повторно до {time}',
    lapsesAt: 'Утратит силу {time}, если уведомитель не подтвердит его повторно',
    reconfirm: 'Подтвердить повторно',
    reconfirmed: 'Подтверждено повторно',
    reconfirmAll: 'Подтвердить повторно всем',
    reconfirmFor: 'Подтвердить повторно для {party}',
    version: 'версия {v}',
    expires: 'истекает {time}, по окончании передвижения',
    notifyHead: 'Уведомить стороны',
    notifyWhat: 'Что (ваши объекты или одно наземное передвижение)',
    notifyNone: 'У вас нет объектов или наземных передвижений для уведомления.',
    notifyTo: 'Кому',
    note: 'Примечание',
    reconfirmS: 'Повторное подтверждение каждые (часы; пусто — по соглашениям)',
    notify: 'Уведомить',
    notified: 'Уведомление отправлено',
    requestsHead: 'Запросы на деконфликтинг ({n})',
    askHead: 'Запросить, охраняется ли место',
    askTo: 'Кого запросить',
    askSite: 'Место: объект, о котором вас уведомили',
    askSiteNone: '— или укажите место ниже —',
    askPoint: 'Или точка: долгота широта (градусы)',
    radius: 'Радиус (м; пусто — только точка)',
    start: 'С (UTC: 1830Z, 181830ZJUN17 или RFC 3339)',
    end: 'По (UTC)',
    question: 'Вопрос',
    ask: 'Запросить',
    asked: 'Запрос отправлен',
    readAs: '= {dtg}',
    requestTitle: '{from} запросил {to} · запрос {id}',
    within: 'в радиусе {r} м от {place}',
    at: 'в точке {place}',
    window: 'с {start} по {end}',
    askedAt: 'запрошено {time}',
    answerBy: 'ответить до {time}',
    answerOverdue: 'ПРОСРОЧЕНО: нет ответа к {time}',
    isProtected: 'Ответ {time}: ОХРАНЯЕТСЯ',
    notProtected: 'Ответ {time}: НЕ ОХРАНЯЕТСЯ',
    site: 'объект {site}',
    answerProtected: 'Охраняется',
    answerNotProtected: 'Не охраняется',
    answerSite: 'Какой из ваших объектов',
    answerNoSite: '— нет —',
    answerText: 'Текст ответа',
    answer: 'Ответить',
    answered: 'Ответ отправлен',
    incidentHead: 'Сообщить об инциденте на объекте',
    incidentSite: 'Объект',
    incidentNoSite: 'Нет ни ваших объектов, ни объектов, о которых вас уведомили.',
    incidentTime: 'Когда (UTC: 1830Z, 181830ZJUN17 или RFC 3339)',
    incidentPlace: 'Где: долгота широта (градусы) или словами (необязательно)',
    incidentText: 'Что произошло',
    report: 'Сообщить об инциденте',
    reported: 'Инцидент {id} записан (запись {seq}): {site}, {time}',
    history: 'История уведомлений об объекте, доступная вам',
    historyLine: '{id}: {from} → {to}, версия {v}, сейчас: {status}',
    atIncident: 'Действовало на момент инцидента ({time}): версия {v}',
    atIncidentLine: '{id} для {to}: {status} (запись {seq})',
    nothingInForce: 'на тот момент уведомлений об объекте не действовало',
    entry: 'запись {seq}',
    event_sent: 'отправлено',
    event_acknowledged: 'подтверждено',
    event_escalated: 'доложено {level}',
    event_reconfirmed: 'подтверждено повторно',
    event_lapsed: 'утратило силу',
    event_expired: 'истекло',
    event_superseded: 'заменено',
    status_pending: 'ожидает подтверждения',
    status_acknowledged: 'подтверждено',
    status_lapsed: 'утратило силу',
    status_expired: 'истекло',
    status_superseded: 'заменено',
    download: 'Скачать пакет доказательств',
    verify: 'Проверка без подключения: deconflict log verify-proof --policy POLICY --bundle FILE (в политике указаны ключ журнала линии и её свидетели).',
    badge: 'Ожидают вас: {n} — уведомления к подтверждению, запросы к ответу, повторные подтверждения в течение суток',
  },
  ar: {
    tab: 'الإخطارات',
    warning:
      'الإخطار ليس ضمانًا للسلامة. إنه سجلّ، في سجلّ محميّ من العبث، بمن أُبلغ بأيّ موقع محميّ أو تحرّك، وبأيّ إصدار، ومن أقرّ باستلامه ومتى.',
    received: 'الواردة ({n})',
    sent: 'الصادرة ({n})',
    none: 'لا شيء',
    retiredNote: 'تغادر الإخطارات المنقضية والمنتهية والمُستبدلة هذه القوائم بعد يوم (بساعة الخط) من إغلاقها. يحتفظ بها السجل: تظهر في السجل، وتُدرج في تاريخ الحادث، ويمكن قراءة كلٍّ منها بمعرّفه.',
    sites: 'مواقع محمية',
    movement: 'تحرّك',
    from: 'من {party}',
    to: 'إلى {parties}',
    sentAt: 'أُرسل {time}',
    mapTitle: 'إظهار {what} على الخريطة',
    state_sent: 'أُرسل، بانتظار الإقرار',
    state_acknowledged: 'أُقرّ {time}',
    state_overdue: 'متأخر: لم يُقرّ حتى {time}',
    state_escalated: 'صُعّد إلى {level}: لم يُقرّ',
    state_lapsed: 'سقط {time}: لم يُجدَّد تأكيده في الموعد؛ لا يُعتمد عليه',
    state_expired: 'انتهى {time}: انتهى ما أُخطر به',
    state_superseded: 'استُبدل: إصدار أحدث أو إلغاء؛ يجب الإخطار من جديد',
    level_commander: 'القائد',
    level_chief: 'الرئيس',
    deadline: 'الإقرار قبل {time}',
    overdueFor: 'متأخر {t}',
    left: 'متبقٍّ {t}',
    days: '{d} يوم {rest}',
    acknowledge: 'إقرار',
    acknowledged: 'تمّ الإقرار',
    reconfirmBy: 'جدّد التأكيد قبل {time}',
    lapsesAt: 'ينقضي {time} ما لم يجدّد المُخطِر تأكيده',
    reconfirm: 'تجديد التأكيد',
    reconfirmed: 'تمّ تجديد التأكيد',
    reconfirmAll: 'تجديد التأكيد للجميع',
    reconfirmFor: 'تجديد التأكيد لـ {party}',
    version: 'الإصدار {v}',
    expires: 'ينتهي {time}، بانتهاء التحرّك',
    notifyHead: 'إخطار الأطراف',
    notifyWhat: 'ماذا (مواقعك، أو تحرّك بري واحد)',
    notifyNone: 'ليس لديك موقع أو تحرّك بري للإخطار به.',
    notifyTo: 'إلى',
    note: 'ملاحظة',
    reconfirmS: 'تجديد التأكيد كل (ساعات؛ فارغ: كما تنص الاتفاقات)',
    notify: 'إخطار',
    notified: 'تمّ الإخطار',
    requestsHead: 'طلبات فضّ الاشتباك ({n})',
    askHead: 'الاستفسار عمّا إذا كان مكان ما محميًا',
    askTo: 'الجهة المُخطِرة المسؤولة',
    askSite: 'المكان: موقع أُخطرت به',
    askSiteNone: '— أو اكتب المكان أدناه —',
    askPoint: 'أو نقطة: خط الطول خط العرض (بالدرجات)',
    radius: 'نصف القطر (م؛ فارغ: النقطة وحدها)',
    start: 'من (UTC: \u20661830Z\u2069 أو \u2066181830ZJUN17\u2069 أو \u2066RFC 3339\u2069)',
    end: 'إلى (UTC)',
    question: 'السؤال',
    ask: 'استفسار',
    asked: 'أُرسل الاستفسار',
    readAs: '= {dtg}',
    requestTitle: '{from} سأل {to} · الطلب {id}',
    within: 'ضمن {r} م من {place}',
    at: 'عند {place}',
    window: 'من {start} إلى {end}',
    askedAt: 'سُئل {time}',
    answerBy: 'الرد قبل {time}',
    answerOverdue: 'متأخر: لا رد حتى {time}',
    isProtected: 'الرد {time}: محمي',
    notProtected: 'الرد {time}: غير محمي',
    site: 'الموقع {site}',
    answerProtected: 'محمي',
    answerNotProtected: 'غير محمي',
    answerSite: 'أيّ مواقعك',
    answerNoSite: '— لا شيء —',
    answerText: 'نص الرد',
    answer: 'ردّ',
    answered: 'أُرسل الرد',
    incidentHead: 'الإبلاغ عن حادث في موقع مُخطَر به',
    incidentSite: 'الموقع',
    incidentNoSite: 'لا موقع لك، ولا موقع أُخطرت به.',
    incidentTime: 'متى (UTC: \u20661830Z\u2069 أو \u2066181830ZJUN17\u2069 أو \u2066RFC 3339\u2069)',
    incidentPlace: 'أين: خط الطول خط العرض (بالدرجات)، أو بالكلمات (اختياري)',
    incidentText: 'ماذا حدث',
    report: 'الإبلاغ عن الحادث',
    reported: 'سُجّل الحادث {id} (القيد {seq}) في {site}، {time}',
    history: 'سجلّ إخطارات الموقع كما يحق لك قراءته',
    historyLine: '{id}: {from} ← {to}، الإصدار {v}، الآن {status}',
    atIncident: 'النافذ وقت الحادث ({time}): الإصدار {v}',
    atIncidentLine: '{id} إلى {to}: {status} (القيد {seq})',
    nothingInForce: 'لم يكن أيّ إخطار عن الموقع نافذًا حينها',
    entry: 'القيد {seq}',
    event_sent: 'أُرسل',
    event_acknowledged: 'أُقرّ',
    event_escalated: 'صُعّد إلى {level}',
    event_reconfirmed: 'جُدّد تأكيده',
    event_lapsed: 'سقط',
    event_expired: 'انتهى',
    event_superseded: 'استُبدل',
    status_pending: 'بانتظار الإقرار',
    status_acknowledged: 'مُقرّ',
    status_lapsed: 'ساقط',
    status_expired: 'منتهٍ',
    status_superseded: 'مُستبدل',
    download: 'تنزيل حزمة الإثبات',
    verify: 'تحقّق منها دون اتصال: \u2066deconflict log verify-proof --policy POLICY --bundle FILE\u2069 (تسمّي السياسة مفتاح سجلّ الخط وشهوده).',
    badge: '{n} بانتظارك: إخطارات للإقرار، وطلبات للرد، وتجديدات تأكيد مستحقة خلال يوم',
  },
  tr: {
    tab: 'Bildirimler',
    warning:
      'Bildirim bir güvenlik garantisi değildir. Değiştirilemez kayıtta, kime hangi korunan tesisin veya intikalin hangi sürümle bildirildiğinin ve kimin ne zaman alındı onayı verdiğinin kaydıdır.',
    received: 'Alınanlar ({n})',
    sent: 'Gönderilenler ({n})',
    none: 'yok',
    retiredNote: 'Geçersiz kalan, süresi dolan ve yerine yenisi geçen bildirimler kapandıktan bir gün (hat saatiyle) sonra bu listelerden çıkar. Kayıt onları saklar: kayıtta görünürler, olay geçmişinde listelenirler ve her biri kimliğiyle okunabilir.',
    sites: 'Korunan tesisler',
    movement: 'İntikal',
    from: 'gönderen: {party}',
    to: 'alıcı: {parties}',
    sentAt: 'gönderildi {time}',
    mapTitle: '{what} haritada göster',
    state_sent: 'gönderildi, onay bekleniyor',
    state_acknowledged: 'onaylandı {time}',
    state_overdue: 'GECİKTİ: {time} itibarıyla onaylanmadı',
    state_escalated: 'ÜST MAKAMA İLETİLDİ ({level}): onaylanmadı',
    state_lapsed: 'GEÇERSİZ {time}: süresinde yeniden teyit edilmedi; güvenilmemeli',
    state_expired: 'süresi doldu {time}: bildirilen sona erdi',
    state_superseded: 'YERİNE YENİSİ GEÇTİ: yeni sürüm veya iptal; yeniden bildirilmeli',
    level_commander: 'komutan',
    level_chief: 'amir',
    deadline: 'son onay {time}',
    overdueFor: 'GECİKTİ {t}',
    left: '{t} kaldı',
    days: '{d} g {rest}',
    acknowledge: 'Onayla',
    acknowledged: 'Onaylandı',
    reconfirmBy: 'Son yeniden teyit {time}',
    lapsesAt: 'Bildiren yeniden teyit etmezse {time} itibarıyla geçersiz olur',
    reconfirm: 'Yeniden teyit et',
    reconfirmed: 'Yeniden teyit edildi',
    reconfirmAll: 'Tümü için yeniden teyit et',
    reconfirmFor: '{party} için yeniden teyit et',
    version: 'sürüm {v}',
    expires: '{time} tarihinde, intikalin sonunda sona erer',
    notifyHead: 'Taraflara bildir',
    notifyWhat: 'Ne (kendi tesisleriniz veya tek bir kara intikali)',
    notifyNone: 'Bildirilecek tesisiniz veya kara intikaliniz yok.',
    notifyTo: 'Alıcılar',
    note: 'Not',
    reconfirmS: 'Yeniden teyit aralığı (saat; boş: anlaşmalardaki gibi)',
    notify: 'Bildir',
    notified: 'Bildirildi',
    requestsHead: 'Çatışma önleme talepleri ({n})',
    askHead: 'Bir yerin korunup korunmadığını sor',
    askTo: 'Sorulan bildiren taraf',
    askSite: 'Yer: size bildirilmiş bir tesis',
    askSiteNone: '— veya yeri aşağıya yazın —',
    askPoint: 'Veya bir nokta: boylam enlem (derece)',
    radius: 'Yarıçap (m; boş: yalnızca nokta)',
    start: 'Başlangıç (UTC: 1830Z, 181830ZJUN17 veya RFC 3339)',
    end: 'Bitiş (UTC)',
    question: 'Soru',
    ask: 'Sor',
    asked: 'Soruldu',
    readAs: '= {dtg}',
    requestTitle: '{from}, {to} tarafına sordu · talep {id}',
    within: '{place} noktasının {r} m yakınında',
    at: '{place} noktasında',
    window: '{start} ile {end} arası',
    askedAt: 'soruldu {time}',
    answerBy: 'son cevap {time}',
    answerOverdue: 'GECİKTİ: {time} itibarıyla cevaplanmadı',
    isProtected: 'Cevap {time}: KORUNUYOR',
    notProtected: 'Cevap {time}: KORUNMUYOR',
    site: 'tesis {site}',
    answerProtected: 'Korunuyor',
    answerNotProtected: 'Korunmuyor',
    answerSite: 'Tesislerinizden hangisi',
    answerNoSite: '— hiçbiri —',
    answerText: 'Cevap metni',
    answer: 'Cevapla',
    answered: 'Cevaplandı',
    incidentHead: 'Bildirilmiş bir tesiste olay bildir',
    incidentSite: 'Tesis',
    incidentNoSite: 'Ne kendi tesisiniz ne de size bildirilmiş bir tesis var.',
    incidentTime: 'Ne zaman (UTC: 1830Z, 181830ZJUN17 veya RFC 3339)',
    incidentPlace: 'Nerede: boylam enlem (derece) veya sözle (isteğe bağlı)',
    incidentText: 'Ne oldu',
    report: 'Olayı bildir',
    reported: 'Olay {id} kaydedildi (kayıt {seq}): {site}, {time}',
    history: 'Tesisin görebildiğiniz bildirim geçmişi',
    historyLine: '{id}: {from} → {to}, sürüm {v}, şimdi {status}',
    atIncident: 'Olay anında geçerli olan ({time}): sürüm {v}',
    atIncidentLine: '{id}, {to} için: {status} (kayıt {seq})',
    nothingInForce: 'o anda tesise ait geçerli bir bildirim yoktu',
    entry: 'kayıt {seq}',
    event_sent: 'gönderildi',
    event_acknowledged: 'onaylandı',
    event_escalated: 'üst makama iletildi ({level})',
    event_reconfirmed: 'yeniden teyit edildi',
    event_lapsed: 'geçersiz oldu',
    event_expired: 'süresi doldu',
    event_superseded: 'yerine yenisi geçti',
    status_pending: 'onay bekliyor',
    status_acknowledged: 'onaylandı',
    status_lapsed: 'geçersiz',
    status_expired: 'süresi doldu',
    status_superseded: 'yerine yenisi geçti',
    download: 'Kanıt paketini indir',
    verify: 'Çevrimdışı doğrulayın: deconflict log verify-proof --policy POLICY --bundle FILE (politika, hattın kayıt anahtarını ve tanıklarını belirtir).',
    badge: 'Sizi bekleyen {n}: onaylanacak bildirimler, cevaplanacak talepler, bir gün içinde yeniden teyidi gereken bildirimler',
  },
});

const DAY_MS = 86_400_000;

/// Text that reads left to right whatever the page's direction (a date-time group, a place, a command),
/// isolated on a right-to-left page so that its digits and letters keep their order.
export function ltr(s: string): string {
  return langInfo().dir === 'rtl' ? `\u2066${s}\u2069` : s;
}

/// A time from the line (RFC 3339), as a date-time group: `180530ZJUN17`.
function when(iso: unknown): string {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) ? ltr(dtg(ms)) : '—';
}

/// A countdown to `until` (else to its data-until) at the line's time `now` (ms); red once past.
function showUntil(el: HTMLElement, now: number, until?: string): void {
  if (until !== undefined) el.dataset.until = until;
  const left = Date.parse(el.dataset.until ?? '') - now;
  el.textContent = left < 0 ? t('overdueFor', { t: longCountdown(-left) }) : t('left', { t: longCountdown(left) });
  el.classList.toggle('overdue', left < 0);
}

/// A countdown, in days beyond two of them (a site's re-confirmation runs for weeks): `29 d 23:16:15`.
function longCountdown(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  return days >= 2 ? t('days', { d: days, rest: countdown(ms - days * DAY_MS) }) : countdown(ms);
}

/// A time field read as `readTime` does, except that for what has happened (an incident) a bare time of day
/// is the latest such time at or before the line's time `now`, not the next.
function readPast(text: string, now: number): TimeRead {
  const r = readTime(text, now);
  if (!r.expanded || r.ms === undefined || r.ms <= now) return r;
  const ms = r.ms - DAY_MS;
  return { send: new Date(ms).toISOString().replace('.000Z', 'Z'), ms, expanded: true };
}

/// Another party's words, shown as written: marked as not translated, laid out in their own direction.
function asWritten(text: string): HTMLElement {
  return h(
    'div',
    { class: 'as-written note' },
    h('span', { class: 'as-written-label' }, untranslated()),
    h('p', { class: 'free-text', dir: 'auto' }, text),
  );
}

/// A level of escalation in words (the line says `commander`, then `chief`).
function levelWords(level: unknown): string {
  if (level === 'commander') return t('level_commander');
  if (level === 'chief') return t('level_chief');
  return typeof level === 'string' ? level : '?';
}

/// The state of one notification as its card shows it, worst first when several are compared.
export type NoteState = 'superseded' | 'lapsed' | 'escalated' | 'overdue' | 'sent' | 'acknowledged' | 'expired';
const SEVERITY: NoteState[] = ['escalated', 'lapsed', 'overdue', 'superseded', 'sent', 'acknowledged', 'expired'];

/// A notification's state at the line's time `now` (ms): the line's status, with a pending one told apart
/// as escalated (the line escalated it), overdue (its deadline passed) or sent.
export function noteState(n: NotificationView, now: number): NoteState {
  if (n.status === 'superseded' || n.status === 'lapsed' || n.status === 'expired' || n.status === 'acknowledged') return n.status;
  if (n.escalations?.length) return 'escalated';
  if (n.overdue || Date.parse(n.deadline) < now) return 'overdue';
  return 'sent';
}

/// The state in words, with its time or level.
function stateWords(n: NotificationView, state: NoteState): string {
  switch (state) {
    case 'acknowledged':
      return t('state_acknowledged', { time: when(field(n.acknowledged, 'at')) });
    case 'escalated':
      return t('state_escalated', { level: levelWords(field(n.escalations?.at(-1), 'level')) });
    case 'overdue':
      return t('state_overdue', { time: when(n.deadline) });
    case 'lapsed':
      return t('state_lapsed', { time: when(field(n.lapsed, 'at')) });
    case 'expired':
      return t('state_expired', { time: when(field(n.expired, 'at')) });
    case 'superseded':
      return t('state_superseded');
    default:
      return t('state_sent');
  }
}

/// Whether a notification awaits its recipient's acknowledgement.
const awaitingAck = (n: NotificationView) => n.status === 'pending';
/// Whether a sent site notification is still live (it can be re-confirmed).
const live = (n: NotificationView) => (n.status === 'pending' || n.status === 'acknowledged') && !!n.reconfirm_by;

/// What awaits the party at `now` (ms): its notifications to acknowledge, requests to answer, and its own
/// live site notifications whose re-confirmation falls due within a day.
export function awaiting(s: Pick<State, 'notifications' | 'requests' | 'who'>, now: number): number {
  const me = s.who.party;
  const ack = s.notifications.filter((n) => n.to === me && awaitingAck(n)).length;
  const answer = s.requests.filter((r) => r.to === me && !r.answer).length;
  const due = s.notifications.filter((n) => n.from === me && live(n) && Date.parse(n.reconfirm_by ?? '') - now < DAY_MS).length;
  return ack + answer + due;
}

/// A sending: the notifications of one request (one per recipient), told apart by their time, what they
/// pin and their note.
export interface Sending {
  key: string;
  list: NotificationView[];
}

/// The party's sent notifications by sending, newest first, each sending's recipients in order.
export function sendings(sent: NotificationView[]): Sending[] {
  const by = new Map<string, NotificationView[]>();
  for (const n of sent) {
    const what = (n.declarations ?? []).map((d) => `${d.id}@${d.version}`).join(',');
    const key = `${n.sent}|${what}|${n.note ?? ''}`;
    const list = by.get(key) ?? [];
    list.push(n);
    by.set(key, list);
  }
  return [...by.entries()]
    .map(([key, list]) => ({ key, list: list.sort((a, b) => a.to.localeCompare(b.to)) }))
    .sort((a, b) => b.list[0].sent.localeCompare(a.list[0].sent) || a.key.localeCompare(b.key));
}

// ---- what was notified, on the map ---------------------------------------------------------------------

/// A closed ring approximating a circle of `radius` metres around `[lon, lat]`.
function circleRing(center: number[], radius: number): number[][] {
  const [lon, lat] = center;
  const dLat = radius / 111_320;
  const dLon = dLat / Math.max(0.01, Math.cos((lat * Math.PI) / 180));
  const ring: number[][] = [];
  for (let i = 0; i <= 48; i++) {
    const a = (i / 48) * 2 * Math.PI;
    ring.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return ring;
}

const isPoint = (p: unknown): p is number[] => Array.isArray(p) && p.length >= 2 && typeof p[0] === 'number' && typeof p[1] === 'number';

/// The rings of a pinned declaration's footprints (a circle drawn as a ring, a corridor as its path).
export function pinnedRings(decl: unknown): number[][][] {
  const vols = field(decl, 'volumes');
  const out: number[][][] = [];
  for (const v of Array.isArray(vols) ? vols : []) {
    const f = field(v, 'footprint');
    const circle = field(f, 'circle');
    const polygon = field(f, 'polygon');
    const path = field(field(f, 'corridor'), 'path');
    const center = field(circle, 'center');
    const radius = field(circle, 'radius_m');
    if (isPoint(center) && typeof radius === 'number') out.push(circleRing(center, radius));
    else if (Array.isArray(polygon) && polygon.every(isPoint)) out.push(polygon);
    else if (Array.isArray(path) && path.every(isPoint)) out.push(path);
  }
  return out;
}

/// The middle of a pinned declaration's first footprint, [lon, lat].
function pinnedCentre(decl: unknown): number[] | undefined {
  const ring = pinnedRings(decl)[0];
  if (!ring?.length) return undefined;
  const pts = ring.length > 2 ? ring.slice(0, -1) : ring;
  return [pts.reduce((a, p) => a + p[0], 0) / pts.length, pts.reduce((a, p) => a + p[1], 0) / pts.length];
}

/// A place as a duty officer reads it: `35.370N 36.600E`.
function placeText(p: unknown): string {
  if (!isPoint(p)) return typeof p === 'string' ? p : '?';
  const [lon, lat] = p;
  return ltr(`${Math.abs(lat).toFixed(3)}${lat >= 0 ? 'N' : 'S'} ${Math.abs(lon).toFixed(3)}${lon >= 0 ? 'E' : 'W'}`);
}

/// A site one may name in a request or an incident: its party, id and label, and where it is.
interface KnownSite {
  party: string;
  id: string;
  label: string;
  centre?: number[];
}

/// One recipient of a sending, and its state.
interface Row {
  n: NotificationView;
  state: NoteState;
}

/// A recipient's line in a sending's card: who, which notification, its state in colour and words, its
/// escalations with their times, and, while it is live, re-confirming it for that recipient alone (a
/// notifier may keep a list in force for those who acknowledged it and let it lapse for one who never
/// did); kept in place as it changes.
function recipientRow(reconfirm: (n: NotificationView) => void): Card<Row> {
  const who = h('b', {});
  const id = h('span', {});
  const badge = h('span', { class: 'badge' });
  const escalations = h('span', { class: 'escalation' });
  let current: NotificationView | undefined;
  const again = h(
    'button',
    { type: 'button', class: 'reconfirm-one', onclick: () => current && reconfirm(current) },
    t('reconfirm'),
  );
  const el = h('li', { class: 'recipient' }, who, id, badge, escalations, ' ', again);
  return {
    el,
    update: ({ n, state }) => {
      current = n;
      again.hidden = !live(n);
      again.setAttribute('aria-label', t('reconfirmFor', { party: n.to }));
      el.className = `recipient ${state}`;
      Object.assign(el.dataset, { to: n.to, notification: n.id, state });
      who.textContent = n.to;
      id.textContent = ` (${n.id}): `;
      badge.className = `badge ${state}`;
      badge.textContent = stateWords(n, state);
      escalations.textContent = (n.escalations ?? []).map((e) => ` ⚠ ${t('event_escalated', { level: levelWords(field(e, 'level')) })} ${when(field(e, 'at'))}`).join('');
    },
  };
}

// ---- the panel -------------------------------------------------------------------------------------------

export class NotificationsPanel {
  private root = $('#notifications');
  private inbox: KeyedList<NotificationView>;
  private outbox: KeyedList<Sending>;
  private requestList: KeyedList<DeconflictionRequestView>;
  private inboxHead = h('h3', { class: 'box-head' });
  private outboxHead = h('h3', { class: 'box-head' });
  private requestsHead = h('h3', { class: 'box-head' });
  private notifyForm = h('form', { class: 'notify-form' });
  private askForm = h('form', { class: 'ask-form' });
  private incidentForm = h('form', { class: 'incident-form' });
  private incidentResult = h('div', { class: 'incident-result', 'aria-live': 'polite' });
  private timer = 0;
  private lastBadge = '';

  constructor(
    private store: Store,
    private api: Api,
    private sync: Sync,
    private picture: Picture,
  ) {
    const tabLabel = document.querySelector('#notify-tab');
    if (tabLabel) tabLabel.textContent = t('tab');
    const inboxEl = h('div', { class: 'notify-list', 'data-box': 'inbox' });
    const outboxEl = h('div', { class: 'notify-list', 'data-box': 'outbox' });
    const requestsEl = h('div', { class: 'request-list' });
    this.inbox = new KeyedList(inboxEl, (n) => n.id, (n) => this.inboxCard(n));
    this.outbox = new KeyedList(outboxEl, (g) => g.key, (g) => this.sendingCard(g));
    this.requestList = new KeyedList(requestsEl, (r) => r.id, (r) => this.requestCard(r));
    this.root.replaceChildren(
      h('p', { class: 'not-a-guarantee', role: 'note' }, t('warning')),
      this.inboxHead,
      inboxEl,
      this.outboxHead,
      outboxEl,
      h('p', { class: 'retired-note' }, t('retiredNote')),
      h('details', { class: 'notify-section' }, h('summary', {}, t('notifyHead')), this.notifyForm),
      this.requestsHead,
      requestsEl,
      h('details', { class: 'notify-section' }, h('summary', {}, t('askHead')), this.askForm),
      h('details', { class: 'notify-section incident' }, h('summary', {}, t('incidentHead')), this.incidentForm),
      this.incidentResult,
    );
    store.subscribe((next, prev) => {
      if (next.notifications !== prev.notifications || next.declarations !== prev.declarations) this.renderNotifications(next);
      if (next.requests !== prev.requests || next.notifications !== prev.notifications) this.renderRequests(next);
      if (next.declarations !== prev.declarations || next.parties !== prev.parties || next.notifications !== prev.notifications) this.renderForms(next);
    });
    this.renderNotifications(store.state);
    this.renderRequests(store.state);
    this.renderForms(store.state);
    // Deadlines pass with the line's time, not with a list: countdowns and the badge every second.
    this.timer = window.setInterval(() => this.tick(), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private now(): number {
    return lineNow(this.store.state.clock);
  }

  /// Countdowns, states that change with the time alone, and the badge.
  private tick(): void {
    const now = this.now();
    for (const el of this.root.querySelectorAll<HTMLElement>('[data-until]')) showUntil(el, now);
    const s = this.store.state;
    const states = s.notifications.map((n) => noteState(n, now)).join();
    if (states !== this.lastStates) this.renderNotifications(s);
    this.badge(s);
  }

  private lastStates = '';

  private badge(s: State): void {
    const n = awaiting(s, this.now());
    const key = String(n);
    if (key === this.lastBadge) return;
    this.lastBadge = key;
    const badge = document.querySelector<HTMLElement>('#notify-count');
    if (!badge) return;
    badge.textContent = key;
    badge.title = t('badge', { n });
    badge.classList.toggle('none', n === 0);
  }

  private renderNotifications(s: State): void {
    const me = s.who.party;
    const now = this.now();
    this.lastStates = s.notifications.map((n) => noteState(n, now)).join();
    const rank = (n: NotificationView) => SEVERITY.indexOf(noteState(n, now));
    const received = s.notifications
      .filter((n) => n.to === me)
      .sort((a, b) => Number(awaitingAck(b)) - Number(awaitingAck(a)) || rank(a) - rank(b) || b.sent.localeCompare(a.sent) || a.id.localeCompare(b.id));
    const sent = sendings(s.notifications.filter((n) => n.from === me));
    this.inboxHead.textContent = t('received', { n: received.length });
    this.outboxHead.textContent = t('sent', { n: sent.reduce((k, g) => k + g.list.length, 0) });
    this.inbox.render(received);
    this.outbox.render(sent);
    this.inbox.parent.dataset.empty = received.length ? '' : t('none');
    this.outbox.parent.dataset.empty = sent.length ? '' : t('none');
    this.badge(s);
  }

  /// What a notification pins, as buttons that frame each on the map.
  private what(n: NotificationView): HTMLElement {
    const names = namesOf(this.store.state);
    return h(
      'p',
      { class: 'notified-what' },
      h('b', {}, n.subject === 'movement' ? t('movement') : t('sites')),
      ': ',
      ...(n.declarations ?? []).flatMap((d, i) => {
        const id = d.id ?? '?';
        const name = text(d.declaration, 'name');
        const label = name && name !== id ? `${name} (${id})` : declarationLabel(names, n.from, id, false);
        return [
          i ? ', ' : '',
          h(
            'button',
            { type: 'button', class: 'link', title: t('mapTitle', { what: label }), 'data-site': id, onclick: () => this.frame(n.from, id, d.declaration) },
            label,
          ),
          ` (${t('version', { v: d.version ?? '?' })})`,
        ];
      }),
      n.subject === 'movement' && n.expires ? ` · ${t('expires', { time: when(n.expires) })}` : '',
    );
  }

  /// Frames a notified declaration on the map: its outline when the party is shown it, else its pinned
  /// footprint.
  private frame(party: string, id: string, pinned: unknown): void {
    const shown = this.store.state.declarations.find((d) => d.party === party && d.id === id);
    const rings = shown?.outline?.length ? shown.outline.map((v) => v.ring) : pinnedRings(pinned);
    if (rings.length) this.picture.focus('', rings);
  }

  private inboxCard(first: NotificationView): Card<NotificationView> {
    const id = first.id;
    const badge = h('span', { class: 'badge' });
    const state = h('p', { class: 'notify-state' });
    const deadline = h('p', { class: 'muted' });
    const until = h('span', { class: 'countdown' });
    const escalations = h('p', { class: 'escalation' });
    const reconfirmBy = h('p', { class: 'muted' });
    const acknowledge = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        onclick: () => act(() => this.api.post(`/v1/notifications/${encodeURIComponent(id)}/acknowledge`).then(() => this.sync.notifications()), t('acknowledged')),
      },
      t('acknowledge'),
    );
    const el = h(
      'article',
      { class: 'card notification', 'data-notification': id },
      h('header', {}, h('b', {}, t('from', { party: first.from })), ` · ${id} · ${t('sentAt', { time: when(first.sent) })} `, badge),
      this.what(first),
      first.note ? asWritten(first.note) : null,
      state,
      h('p', { class: 'deadline-row' }, deadline, ' ', until),
      escalations,
      reconfirmBy,
      h('div', { class: 'actions' }, acknowledge),
    );
    return {
      el,
      update: (n) => {
        const st = noteState(n, this.now());
        el.className = `card notification ${st}`;
        badge.className = `badge ${st}`;
        badge.textContent = t(`status_${n.status}` as 'status_pending');
        state.textContent = stateWords(n, st);
        const pending = awaitingAck(n);
        deadline.textContent = t('deadline', { time: when(n.deadline) });
        until.hidden = !pending;
        if (pending) showUntil(until, this.now(), n.deadline);
        else delete until.dataset.until;
        escalations.textContent = (n.escalations ?? []).map((e) => `⚠ ${t('event_escalated', { level: levelWords(field(e, 'level')) })} ${when(field(e, 'at'))}`).join(' · ');
        escalations.hidden = !n.escalations?.length;
        // The recipient cannot re-confirm: it is told until when the notification stands without it.
        reconfirmBy.textContent = n.reconfirm_by && live(n) ? t('lapsesAt', { time: when(n.reconfirm_by) }) : '';
        reconfirmBy.hidden = !reconfirmBy.textContent;
        acknowledge.hidden = !pending;
      },
    };
  }

  private sendingCard(first: Sending): Card<Sending> {
    let current = first;
    const n0 = first.list[0];
    const rowsEl = h('ul', { class: 'recipients' });
    const reconfirmOne = (n: NotificationView) =>
      act(async () => {
        await this.api.post(`/v1/notifications/${encodeURIComponent(n.id)}/reconfirm`);
        await this.sync.notifications();
      }, t('reconfirmed'));
    const rows = new KeyedList<Row>(rowsEl, (r) => r.n.id, () => recipientRow(reconfirmOne));
    const reconfirmLine = h('p', { class: 'reconfirm-row' });
    const reconfirmText = h('span', {});
    const until = h('span', { class: 'countdown' });
    const reconfirm = h(
      'button',
      {
        type: 'button',
        onclick: () =>
          act(async () => {
            for (const n of current.list.filter(live)) await this.api.post(`/v1/notifications/${encodeURIComponent(n.id)}/reconfirm`);
            await this.sync.notifications();
          }, t('reconfirmed')),
      },
      t('reconfirmAll'),
    );
    reconfirmLine.append(reconfirmText, ' ', until, ' ', reconfirm);
    const el = h(
      'article',
      { class: 'card notification sending', 'data-sending': first.list.map((n) => n.id).join(' ') },
      h('header', {}, h('b', {}, t('to', { parties: first.list.map((n) => n.to).join(', ') })), ` · ${t('sentAt', { time: when(n0.sent) })}`),
      this.what(n0),
      n0.note ? asWritten(n0.note) : null,
      rowsEl,
      reconfirmLine,
    );
    return {
      el,
      update: (g) => {
        current = g;
        const now = this.now();
        const states = g.list.map((n) => noteState(n, now));
        const worst = SEVERITY.find((s) => states.includes(s)) ?? 'sent';
        el.className = `card notification sending ${worst}`;
        rows.render(g.list.map((n, i) => ({ n, state: states[i] })));
        const open = g.list.filter(live);
        const by = open.map((n) => n.reconfirm_by ?? '').sort()[0];
        reconfirmLine.hidden = !by;
        if (by) {
          reconfirmText.textContent = t('reconfirmBy', { time: when(by) });
          showUntil(until, now, by);
        }
      },
    };
  }

  // ---- forms -------------------------------------------------------------------------------------------

  /// Sites one may name: one's own, and those notified to one.
  private knownSites(s: State): KnownSite[] {
    const me = s.who.party;
    const names = namesOf(s);
    const out = new Map<string, KnownSite>();
    for (const d of s.declarations) {
      if (d.party !== me || d.declaration.kind !== 'site') continue;
      out.set(`${me}/${d.id}`, { party: me, id: d.id, label: declarationLabel(names, me, d.id, false), centre: pinnedCentre(d.declaration) });
    }
    for (const n of s.notifications) {
      if (n.to !== me) continue;
      for (const d of n.declarations ?? []) {
        if (d.kind !== 'site' || !d.id) continue;
        const name = text(d.declaration, 'name');
        const label = `${name && name !== d.id ? `${name} (${d.id})` : declarationLabel(names, n.from, d.id, false)} — ${n.from}`;
        out.set(`${n.from}/${d.id}`, { party: n.from, id: d.id, label, centre: pinnedCentre(d.declaration) });
      }
    }
    return [...out.values()].sort((a, b) => a.label.localeCompare(b.label));
  }

  private renderForms(s: State): void {
    // A form being typed in is left alone (a list reloaded under the user's hands would undo a choice).
    // A form rebuilt otherwise keeps what was typed and chosen in it.
    const active = document.activeElement;
    const forms: [HTMLFormElement, (s: State) => void][] = [
      [this.notifyForm, (x) => this.buildNotifyForm(x)],
      [this.askForm, (x) => this.buildAskForm(x)],
      [this.incidentForm, (x) => this.buildIncidentForm(x)],
    ];
    for (const [form, build] of forms) {
      if (active && form.contains(active)) continue;
      const kept = [...form.elements].flatMap((el) =>
        el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement
          ? [{ name: el.name, value: el.value, untouched: el.value === el.dataset.default, checked: el instanceof HTMLInputElement ? el.checked : undefined }]
          : [],
      );
      build(s);
      for (const el of form.elements) {
        if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement)) continue;
        const was = kept.find((k) => k.name === el.name && (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio') ? k.value === el.value : true));
        // A default left as it was (a time: now) is made anew.
        if (!was || was.untouched) continue;
        if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) el.checked = !!was.checked;
        else if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === was.value)) continue;
        else {
          el.value = was.value;
          el.dispatchEvent(new Event('input'));
        }
      }
    }
  }

  private buildNotifyForm(s: State): void {
    const me = s.who.party;
    const names = namesOf(s);
    const mine = s.declarations.filter((d) => d.party === me && (d.declaration.kind === 'site' || d.declaration.kind === 'ground_movement') && d.status !== 'cancelled' && d.status !== 'ended');
    const form = this.notifyForm;
    const note = h('textarea', { name: 'note', rows: 2, maxlength: 4000 });
    const hours = h('input', { name: 'reconfirm_h', type: 'number', min: '1', step: 'any' });
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const body: NotificationInput = { declarations: data.getAll('declarations').map(String), to: data.getAll('to').map(String) };
      const n = String(data.get('note') ?? '').trim();
      if (n) body.note = n;
      const h2 = Number(data.get('reconfirm_h'));
      if (String(data.get('reconfirm_h') ?? '').trim() && Number.isFinite(h2)) body.reconfirm_s = Math.max(3600, Math.round(h2 * 3600));
      act(async () => {
        await this.api.post('/v1/notifications', body);
        form.reset();
        await this.sync.notifications();
      }, t('notified'));
    };
    if (!mine.length) {
      form.replaceChildren(h('p', { class: 'muted' }, t('notifyNone')));
      return;
    }
    form.replaceChildren(
      h(
        'fieldset',
        {},
        h('legend', {}, t('notifyWhat')),
        ...mine.map((d) =>
          h(
            'label',
            { class: 'check' },
            h('input', { type: 'checkbox', name: 'declarations', value: d.id }),
            `${declarationLabel(names, me, d.id, false)}${d.declaration.kind === 'ground_movement' ? ` — ${t('movement')}` : ''}`,
          ),
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, t('notifyTo')),
        ...s.parties.filter((p) => p !== me).map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'to', value: p }), p)),
      ),
      h('label', {}, t('note'), note),
      h('label', {}, t('reconfirmS'), hours),
      h('button', { type: 'submit', class: 'primary' }, t('notify')),
    );
  }

  /// A time field with its reading beside it, in full; for what has happened (`past`), a bare time of day is
  /// the latest such time.
  private timeField(name: string, label: string, value: string, past = false): HTMLElement {
    const note = h('span', { class: 'field-note', 'data-for': name });
    const input = h('input', { name, required: true, autocomplete: 'off', dir: 'ltr', value, dataset: { default: value } });
    const show = () => {
      const r = past ? readPast(input.value, this.now()) : readTime(input.value, this.now());
      note.textContent = r.ms !== undefined ? t('readAs', { dtg: ltr(fullTime(r.ms)) }) : '';
    };
    input.addEventListener('input', show);
    show();
    return h('label', {}, label, input, note);
  }

  private buildAskForm(s: State): void {
    const me = s.who.party;
    const notifiers = [...new Set(s.notifications.filter((n) => n.to === me).map((n) => n.from))].sort();
    const others = s.parties.filter((p) => p !== me && !notifiers.includes(p));
    const sites = this.knownSites(s).filter((k) => k.party !== me);
    const form = this.askForm;
    const to = h('select', { name: 'to', required: true }, ...[...notifiers, ...others].map((p) => h('option', { value: p }, p)));
    const site = h(
      'select',
      { name: 'site' },
      h('option', { value: '' }, t('askSiteNone')),
      ...sites.map((k) => h('option', { value: `${k.party}/${k.id}` }, k.label)),
    );
    const point = h('input', { name: 'point', autocomplete: 'off', dir: 'ltr', placeholder: '36.60 35.37' });
    const radius = h('input', { name: 'radius_m', type: 'number', min: '1', max: '100000', step: 'any', value: '1000' });
    site.addEventListener('change', () => {
      const k = sites.find((x) => `${x.party}/${x.id}` === site.value);
      if (!k) return;
      to.value = k.party;
      if (k.centre) point.value = `${k.centre[0].toFixed(4)} ${k.centre[1].toFixed(4)}`;
    });
    const now = this.now();
    const question = h('textarea', { name: 'text', rows: 2, maxlength: 4000 });
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const nums = String(data.get('point') ?? '')
        .trim()
        .split(/[\s,;]+/)
        .map(Number);
      const centre = nums.length === 2 && nums.every(Number.isFinite) ? nums : String(data.get('point') ?? '');
      const r = Number(data.get('radius_m'));
      const start = readTime(String(data.get('start') ?? ''), this.now());
      const end = readTime(String(data.get('end') ?? ''), this.now(), start.ms);
      const body: DeconflictionRequestInput = {
        to: String(data.get('to') ?? ''),
        location: String(data.get('radius_m') ?? '').trim() && r > 0 ? { circle: { center: centre, radius_m: r } } : { point: centre },
        start: start.send,
        end: end.send,
      };
      const q = String(data.get('text') ?? '').trim();
      if (q) body.text = q;
      act(async () => {
        await this.api.post('/v1/deconfliction-requests', body);
        question.value = '';
        await this.sync.requests();
      }, t('asked'));
    };
    form.replaceChildren(
      h('label', {}, t('askTo'), to),
      h('label', {}, t('askSite'), site),
      h('label', {}, t('askPoint'), point),
      h('label', {}, t('radius'), radius),
      this.timeField('start', t('start'), dtg(now)),
      this.timeField('end', t('end'), dtg(now + 2 * 3_600_000)),
      h('label', {}, t('question'), question),
      h('button', { type: 'submit', class: 'primary' }, t('ask')),
    );
  }

  private buildIncidentForm(s: State): void {
    const sites = this.knownSites(s);
    const form = this.incidentForm;
    if (!sites.length) {
      form.replaceChildren(h('p', { class: 'muted' }, t('incidentNoSite')));
      return;
    }
    const site = h('select', { name: 'site', required: true }, ...sites.map((k) => h('option', { value: `${k.party}/${k.id}` }, k.label)));
    const description = h('textarea', { name: 'description', rows: 3, required: true, maxlength: 4000 });
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const k = sites.find((x) => `${x.party}/${x.id}` === String(data.get('site')));
      if (!k) return;
      const place = String(data.get('place') ?? '').trim();
      const nums = place.split(/[\s,;]+/).map(Number);
      const body: IncidentInput = {
        site: k.id,
        party: k.party,
        time: readPast(String(data.get('time') ?? ''), this.now()).send,
        description: String(data.get('description') ?? '').trim(),
      };
      if (place) body.place = nums.length === 2 && nums.every(Number.isFinite) ? nums : place;
      act(async () => {
        const report = await this.api.post<IncidentReport>('/v1/notifications/incidents', body);
        this.showIncident(report);
      });
    };
    form.replaceChildren(
      h('label', {}, t('incidentSite'), site),
      this.timeField('time', t('incidentTime'), dtg(this.now()), true),
      h('label', {}, t('incidentPlace'), h('input', { name: 'place', autocomplete: 'off', dir: 'auto', placeholder: '36.60 35.37' })),
      h('label', {}, t('incidentText'), description),
      h('button', { type: 'submit', class: 'primary' }, t('report')),
    );
  }

  /// The line's answer to an incident report: the incident, the site's history, what was in force then, and
  /// the proof bundle to download.
  private showIncident(r: IncidentReport): void {
    const inc = r.incident ?? {};
    const id = text(inc, 'id') ?? 'incident';
    const hist = r.history ?? {};
    const notes = field(hist, 'notifications');
    const then = field(hist, 'at_incident');
    const inForce = field(then, 'notifications');
    const statusWords = (s: unknown) => (typeof s === 'string' && /^(pending|acknowledged|lapsed|expired|superseded)$/.test(s) ? t(`status_${s}` as 'status_pending') : String(s ?? '?'));
    const eventWords = (e: unknown) => {
      const s = String(e ?? '');
      const esc = /^escalated to (.+)$/.exec(s);
      if (esc) return t('event_escalated', { level: levelWords(esc[1]) });
      const key = `event_${s}`;
      return /^(sent|acknowledged|reconfirmed|lapsed|expired|superseded)$/.test(s) ? t(key as 'event_sent') : s;
    };
    const download = () => {
      const blob = new Blob([`${JSON.stringify(r.bundle, null, 2)}\n`], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `${id}-${text(inc, 'site') ?? 'site'}.bundle.json` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    };
    this.incidentResult.replaceChildren(
      h('article', { class: 'card incident', 'data-incident': id },
        h('header', {}, h('b', {}, t('reported', { id, seq: String(field(inc, 'seq') ?? '?'), site: text(inc, 'site') ?? '?', time: when(field(inc, 'time')) }))),
        h('p', { class: 'not-a-guarantee' }, t('warning')),
        h('h4', {}, t('history')),
        h(
          'ul',
          { class: 'history' },
          ...(Array.isArray(notes) ? notes : []).map((n) =>
            h(
              'li',
              { 'data-notification': text(n, 'id') ?? '' },
              t('historyLine', { id: text(n, 'id') ?? '?', from: text(n, 'from') ?? '?', to: text(n, 'to') ?? '?', v: String(field(n, 'version') ?? '?'), status: statusWords(field(n, 'status')) }),
              h(
                'ul',
                {},
                ...(() => {
                  const events = field(n, 'history');
                  return (Array.isArray(events) ? events : []).map((e) =>
                    h('li', {}, `${when(field(e, 'at'))} ${eventWords(field(e, 'event'))}${typeof field(e, 'seq') === 'number' ? ` (${t('entry', { seq: String(field(e, 'seq')) })})` : ''}`),
                  );
                })(),
              ),
            ),
          ),
        ),
        h('h4', {}, t('atIncident', { time: when(field(then, 'time')), v: String(field(then, 'version') ?? '—') })),
        Array.isArray(inForce) && inForce.length
          ? h(
              'ul',
              { class: 'in-force' },
              ...inForce.map((x) => h('li', {}, t('atIncidentLine', { id: text(x, 'notification') ?? '?', to: text(x, 'to') ?? '?', status: statusWords(field(x, 'status')), seq: String(field(x, 'seq') ?? '?') }))),
            )
          : h('p', { class: 'muted' }, t('nothingInForce')),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', 'data-download': 'bundle', onclick: download }, t('download'))),
        h('p', { class: 'muted' }, t('verify')),
      ),
    );
    this.incidentResult.scrollIntoView({ block: 'nearest' });
  }

  // ---- deconfliction requests ---------------------------------------------------------------------------

  private renderRequests(s: State): void {
    const list = s.requests
      .slice()
      .sort((a, b) => Number(!b.answer && b.to === s.who.party) - Number(!a.answer && a.to === s.who.party) || String(b.deadline).localeCompare(String(a.deadline)) || a.id.localeCompare(b.id));
    this.requestsHead.textContent = t('requestsHead', { n: list.length });
    this.requestList.render(list);
  }

  private requestCard(first: DeconflictionRequestView): Card<DeconflictionRequestView> {
    const id = first.id;
    const me = this.store.state.who.party;
    const state = h('p', { class: 'request-state' });
    const until = h('span', { class: 'countdown' });
    const loc = first.location;
    const circle = field(loc, 'circle');
    const where = circle
      ? t('within', { r: grouped(Number(field(circle, 'radius_m'))), place: placeText(field(circle, 'center')) })
      : t('at', { place: placeText(field(loc, 'point')) });
    const mySites = this.knownSites(this.store.state).filter((k) => k.party === me);
    const answerForm = h(
      'form',
      {
        class: 'answer-form',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          const form = ev.target;
          if (!(form instanceof HTMLFormElement)) return;
          const data = new FormData(form);
          const body: DeconflictionAnswer = { protected: data.get('protected') === 'yes' };
          const site = String(data.get('site') ?? '');
          if (site) body.site = site;
          const words = String(data.get('text') ?? '').trim();
          if (words) body.text = words;
          act(() => this.api.post(`/v1/deconfliction-requests/${encodeURIComponent(id)}/answer`, body).then(() => this.sync.requests()), t('answered'));
        },
      },
      h(
        'div',
        { class: 'choice', role: 'radiogroup' },
        h('label', { class: 'check' }, h('input', { type: 'radio', name: 'protected', value: 'yes', checked: true }), t('answerProtected')),
        h('label', { class: 'check' }, h('input', { type: 'radio', name: 'protected', value: 'no' }), t('answerNotProtected')),
      ),
      h('label', {}, t('answerSite'), h('select', { name: 'site' }, h('option', { value: '' }, t('answerNoSite')), ...mySites.map((k) => h('option', { value: k.id }, k.label)))),
      h('label', {}, t('answerText'), h('input', { name: 'text', autocomplete: 'off', maxlength: 4000 })),
      h('button', { type: 'submit', class: 'primary' }, t('answer')),
    );
    const el = h(
      'article',
      { class: 'card request', 'data-request': id },
      h('header', {}, h('b', {}, t('requestTitle', { from: first.from, to: first.to, id }))),
      h('p', {}, `${where}, ${t('window', { start: when(first.start), end: when(first.end) })}`),
      first.text ? asWritten(first.text) : null,
      h('p', { class: 'muted' }, t('askedAt', { time: when(field(first.asked, 'at')) })),
      h('p', {}, state, ' ', until),
      answerForm,
    );
    return {
      el,
      update: (r) => {
        const a = r.answer;
        const overdue = !a && (r.overdue || Date.parse(r.deadline ?? '') < this.now());
        el.className = `card request ${a ? (field(a, 'protected') === true ? 'protected' : 'not-protected') : overdue ? 'overdue' : 'open'}`;
        if (a) {
          const site = text(a, 'site');
          const words = text(a, 'text');
          state.textContent = [
            t(field(a, 'protected') === true ? 'isProtected' : 'notProtected', { time: when(field(a, 'at')) }),
            site ? t('site', { site }) : '',
            words ? `“${words}”` : '',
          ]
            .filter(Boolean)
            .join(' · ');
        } else {
          state.textContent = overdue ? t('answerOverdue', { time: when(r.deadline) }) : t('answerBy', { time: when(r.deadline) });
        }
        until.hidden = !!a;
        if (!a && r.deadline) showUntil(until, this.now(), r.deadline);
        else delete until.dataset.until;
        answerForm.hidden = !!a || r.to !== me;
      },
    };
  }
}

