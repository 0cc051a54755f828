// The theatre's places, drawn offline as the map's place names: cities, air bases, river crossings and the
// demo's places, with approximate public coordinates (WGS84, good to a few kilometres: a picture, not
// navigation). Each place is named in the page's language (English, Russian, Arabic, Turkish). Also the
// great rivers as hand-made polylines through real places (the packaged 1 km river data breaks the Euphrates
// into specks at theatre zoom).

import { type Lang, lang } from '../i18n';

export type PlaceKind = 'capital' | 'city' | 'town' | 'airbase' | 'crossing' | 'garrison';

/// A name in each language the picture may show; `en` always.
export interface Names {
  en: string;
  ru?: string;
  ar?: string;
  tr?: string;
}

export interface Place {
  id: string;
  kind: PlaceKind;
  lon: number;
  lat: number;
  /// 1: shown from the widest view; 2: at theatre zoom; 3: closer in. Labels of a lower rank win collisions.
  rank: 1 | 2 | 3;
  names: Names;
}

type Row = [id: string, kind: PlaceKind, rank: 1 | 2 | 3, lat: number, lon: number, en: string, ru: string, ar: string, tr: string];

// lat, lon as written in public gazetteers (N, E); the names in English, Russian, Arabic and Turkish (each
// language's own name for the place, as its maps and press write it).
const ROWS: Row[] = [
  // Capitals and the largest cities.
  ['damascus', 'capital', 1, 33.51, 36.29, 'Damascus', 'Дамаск', 'دمشق', 'Şam'],
  ['aleppo', 'city', 1, 36.2, 37.16, 'Aleppo', 'Алеппо', 'حلب', 'Halep'],
  ['homs', 'city', 1, 34.73, 36.71, 'Homs', 'Хомс', 'حمص', 'Humus'],
  ['hama', 'city', 1, 35.13, 36.75, 'Hama', 'Хама', 'حماة', 'Hama'],
  ['latakia', 'city', 1, 35.52, 35.78, 'Latakia', 'Латакия', 'اللاذقية', 'Lazkiye'],
  ['raqqa', 'city', 1, 35.95, 39.01, 'Raqqa', 'Ракка', 'الرقة', 'Rakka'],
  ['deir-ez-zor', 'city', 1, 35.34, 40.14, 'Deir ez-Zor', 'Дейр-эз-Зор', 'دير الزور', 'Deyrizor'],
  ['mosul', 'city', 1, 36.34, 43.13, 'Mosul', 'Мосул', 'الموصل', 'Musul'],
  ['gaziantep', 'city', 1, 37.07, 37.38, 'Gaziantep', 'Газиантеп', 'غازي عنتاب', 'Gaziantep'],
  ['baghdad', 'capital', 1, 33.31, 44.37, 'Baghdad', 'Багдад', 'بغداد', 'Bağdat'],
  ['beirut', 'capital', 1, 33.89, 35.5, 'Beirut', 'Бейрут', 'بيروت', 'Beyrut'],
  ['amman', 'capital', 1, 31.95, 35.93, 'Amman', 'Амман', 'عمّان', 'Amman'],
  ['adana', 'city', 1, 37.0, 35.32, 'Adana', 'Адана', 'أضنة', 'Adana'],
  ['erbil', 'city', 1, 36.19, 44.01, 'Erbil', 'Эрбиль', 'أربيل', 'Erbil'],
  // Cities and towns of the campaigns.
  ['idlib', 'city', 2, 35.93, 36.63, 'Idlib', 'Идлиб', 'إدلب', 'İdlib'],
  ['tartus', 'city', 2, 34.89, 35.89, 'Tartus', 'Тартус', 'طرطوس', 'Tartus'],
  ['hasakah', 'city', 2, 36.5, 40.75, 'Hasakah', 'Хасеке', 'الحسكة', 'Haseke'],
  ['qamishli', 'city', 2, 37.05, 41.23, 'Qamishli', 'Камышлы', 'القامشلي', 'Kamışlı'],
  ['palmyra', 'town', 2, 34.56, 38.27, 'Palmyra', 'Пальмира', 'تدمر', 'Palmira'],
  ['manbij', 'town', 2, 36.53, 37.96, 'Manbij', 'Манбидж', 'منبج', 'Menbiç'],
  ['al-bab', 'town', 2, 36.37, 37.52, 'Al-Bab', 'Эль-Баб', 'الباب', 'El Bab'],
  ['jarabulus', 'town', 2, 36.82, 38.01, 'Jarabulus', 'Джераблус', 'جرابلس', 'Cerablus'],
  ['tabqa', 'town', 2, 35.83, 38.55, 'Tabqa', 'Табка', 'الطبقة', 'Tabka'],
  ['mayadin', 'town', 2, 35.02, 40.45, 'Mayadin', 'Эль-Маядин', 'الميادين', 'Meyadin'],
  ['abu-kamal', 'town', 2, 34.45, 40.92, 'Abu Kamal', 'Абу-Кемаль', 'البوكمال', 'Ebu Kemal'],
  ['kobani', 'town', 2, 36.89, 38.35, 'Kobani', 'Кобани', 'عين العرب', 'Ayn el-Arap'],
  ['afrin', 'town', 2, 36.51, 36.87, 'Afrin', 'Африн', 'عفرين', 'Afrin'],
  ['daraa', 'city', 2, 32.62, 36.1, 'Daraa', 'Дараа', 'درعا', 'Dera'],
  ['sanliurfa', 'city', 2, 37.16, 38.79, 'Şanlıurfa', 'Шанлыурфа', 'شانلي أورفا', 'Şanlıurfa'],
  ['kilis', 'town', 2, 36.72, 37.12, 'Kilis', 'Килис', 'كلس', 'Kilis'],
  ['antakya', 'city', 2, 36.2, 36.16, 'Antakya', 'Антакья', 'أنطاكية', 'Antakya'],
  ['kirkuk', 'city', 2, 35.47, 44.39, 'Kirkuk', 'Киркук', 'كركوك', 'Kerkük'],
  ['al-qaim', 'town', 2, 34.37, 41.09, 'Al-Qaim', 'Эль-Каим', 'القائم', 'Kaim'],
  ['tikrit', 'city', 2, 34.6, 43.68, 'Tikrit', 'Тикрит', 'تكريت', 'Tikrit'],
  ['ramadi', 'city', 2, 33.42, 43.3, 'Ramadi', 'Эр-Рамади', 'الرمادي', 'Ramadi'],
  ['khasham', 'town', 3, 35.3, 40.3, 'Khasham', 'Хишам', 'خشام', 'Haşam'],
  ['kafr-zeita', 'town', 3, 35.37, 36.6, 'Kafr Zeita', 'Кафр-Зейта', 'كفرزيتا', 'Kafr Zeyta'],
  ['khan-shaykhun', 'town', 3, 35.44, 36.65, 'Khan Shaykhun', 'Хан-Шейхун', 'خان شيخون', 'Han Şeyhun'],
  ['azaz', 'town', 3, 36.59, 37.05, 'Azaz', 'Азаз', 'أعزاز', 'Azez'],
  ['tal-abyad', 'town', 3, 36.7, 38.95, 'Tal Abyad', 'Телль-Абьяд', 'تل أبيض', 'Tel Abyad'],
  ['ras-al-ain', 'town', 3, 36.85, 40.07, 'Ras al-Ain', 'Рас-эль-Айн', 'رأس العين', 'Resulayn'],
  ['suwayda', 'city', 3, 32.71, 36.57, 'Suwayda', 'Эс-Сувейда', 'السويداء', 'Süveyda'],
  ['sinjar', 'town', 3, 36.32, 41.87, 'Sinjar', 'Синджар', 'سنجار', 'Sincar'],
  ['haditha', 'town', 3, 34.14, 42.38, 'Haditha', 'Хадита', 'حديثة', 'Hadise'],
  ['iskenderun', 'city', 3, 36.59, 36.17, 'İskenderun', 'Искендерун', 'الإسكندرونة', 'İskenderun'],
  ['shaddadi', 'town', 3, 36.06, 40.73, 'Shaddadi', 'Эш-Шаддади', 'الشدادي', 'Şeddadi'],
  ['hajin', 'town', 3, 34.69, 40.83, 'Hajin', 'Хаджин', 'هجين', 'Hacin'],
  // Air bases.
  ['hmeimim', 'airbase', 1, 35.4, 35.95, 'Hmeimim AB', 'авиабаза Хмеймим', 'قاعدة حميميم الجوية', 'Hmeymim Hava Üssü'],
  ['incirlik', 'airbase', 1, 37.0, 35.43, 'Incirlik AB', 'авиабаза Инджирлик', 'قاعدة إنجرليك الجوية', 'İncirlik Hava Üssü'],
  ['shayrat', 'airbase', 2, 34.49, 36.91, 'Shayrat AB', 'авиабаза Шайрат', 'مطار الشعيرات', 'Şayrat Hava Üssü'],
  ['tiyas', 'airbase', 2, 34.52, 37.63, 'Tiyas (T-4) AB', 'авиабаза Тияс (T-4)', 'مطار التيفور (T-4)', 'Tiyas (T-4) Hava Üssü'],
  ['kuweires', 'airbase', 3, 36.19, 37.58, 'Kuweires AB', 'авиабаза Квейрис', 'مطار كويرس', 'Kuveyris Hava Üssü'],
  ['tabqa-ab', 'airbase', 3, 35.75, 38.57, 'Tabqa AB', 'авиабаза Табка', 'مطار الطبقة', 'Tabka Hava Üssü'],
  ['deir-ez-zor-ab', 'airbase', 3, 35.28, 40.18, 'Deir ez-Zor AB', 'авиабаза Дейр-эз-Зор', 'مطار دير الزور', 'Deyrizor Hava Üssü'],
  ['abu-al-duhur', 'airbase', 3, 35.73, 37.1, 'Abu al-Duhur AB', 'авиабаза Абу-эд-Духур', 'مطار أبو الظهور', 'Ebu Zuhur Hava Üssü'],
  ['mezzeh', 'airbase', 3, 33.48, 36.22, 'Mezzeh AB', 'авиабаза Меззе', 'مطار المزة', 'Mezze Hava Üssü'],
  ['akrotiri', 'airbase', 2, 34.59, 32.99, 'Akrotiri (RAF)', 'Акротири (ВВС Великобритании)', 'أكروتيري (سلاح الجو الملكي)', 'Ağrotur (RAF)'],
  ['al-asad', 'airbase', 2, 33.79, 42.44, 'Al Asad AB', 'авиабаза Айн-эль-Асад', 'قاعدة عين الأسد الجوية', 'Aynel Esad Hava Üssü'],
  ['muwaffaq-salti', 'airbase', 2, 32.36, 36.78, 'Muwaffaq Salti AB', 'авиабаза Муваффак-Сальти', 'قاعدة موفق السلطي الجوية', 'Muvaffak Salti Hava Üssü'],
  ['al-udeid', 'airbase', 1, 25.12, 51.32, 'Al Udeid AB', 'авиабаза Эль-Удейд', 'قاعدة العديد الجوية', 'El Udeyd Hava Üssü'],
  // Garrisons and crossings.
  ['at-tanf', 'garrison', 2, 33.5, 38.62, 'At-Tanf', 'Эт-Танф', 'التنف', 'Et Tanf'],
  ['tabqa-dam', 'crossing', 3, 35.87, 38.57, 'Tabqa Dam', 'Табкинская плотина', 'سد الطبقة', 'Tabka Barajı'],
  ['tishrin-dam', 'crossing', 3, 36.38, 38.18, 'Tishrin Dam', 'плотина Тишрин', 'سد تشرين', 'Tişrin Barajı'],
  ['qara-qozak', 'crossing', 3, 36.66, 38.22, 'Qara Qozak bridge', 'мост Кара-Козак', 'جسر قره قوزاق', 'Karakozak Köprüsü'],
  ['semalka', 'crossing', 3, 37.14, 42.36, 'Semalka crossing', 'КПП Семалка', 'معبر سيمالكا', 'Semalka Sınır Kapısı'],
  ['bab-al-salama', 'crossing', 3, 36.64, 37.08, 'Bab al-Salama', 'Баб-эс-Салама', 'باب السلامة', 'Bab es-Selame'],
];

export const PLACES: Place[] = ROWS.map(([id, kind, rank, lat, lon, en, ru, ar, tr]) => ({ id, kind, rank, lat, lon, names: { en, ru, ar, tr } }));

/// A place's name in `l` (the page's language unless told), falling back to the English name.
export function placeName(p: Place, l: Lang = lang()): string {
  return p.names[l] ?? p.names.en;
}

/// The great rivers as [lon, lat] polylines, downstream, through the places they pass.
export const RIVERS: { name: Names; line: [number, number][] }[] = [
  {
    name: { en: 'Euphrates', ru: 'Евфрат', ar: 'الفرات', tr: 'Fırat' },
    line: [
      [38.32, 37.48], [38.1, 37.2], [37.99, 37.03], [38.0, 36.9], [38.02, 36.82], [38.12, 36.74], [38.21, 36.66],
      [38.2, 36.52], [38.18, 36.38], [38.2, 36.25], [38.12, 36.1], [38.05, 36.0], [38.15, 35.96], [38.3, 35.97],
      [38.45, 35.93], [38.57, 35.87], [38.72, 35.88], [38.88, 35.92], [39.01, 35.93], [39.2, 35.88], [39.4, 35.83],
      [39.56, 35.77], [39.66, 35.74], [39.82, 35.65], [39.92, 35.55], [40.04, 35.42], [40.15, 35.34],
      [40.22, 35.26], [40.3, 35.17], [40.44, 35.05], [40.5, 34.97], [40.6, 34.9], [40.72, 34.78], [40.84, 34.66],
      [40.9, 34.55], [40.95, 34.47], [41.09, 34.4], [41.3, 34.42], [41.55, 34.47], [41.92, 34.47], [42.1, 34.35],
      [42.38, 34.14], [42.6, 33.9], [42.82, 33.64], [43.05, 33.5], [43.3, 33.43], [43.55, 33.4], [43.78, 33.35],
      [44.1, 33.1], [44.24, 32.78], [44.42, 32.48], [44.4, 32.03], [44.9, 31.7], [45.29, 31.31], [45.8, 31.15],
      [46.26, 31.04], [46.9, 31.0], [47.43, 31.0],
    ],
  },
  {
    name: { en: 'Tigris', ru: 'Тигр', ar: 'دجلة', tr: 'Dicle' },
    line: [
      [41.2, 37.87], [41.8, 37.6], [42.19, 37.33], [42.3, 37.2], [42.36, 37.1], [42.6, 36.85], [42.82, 36.63],
      [43.0, 36.5], [43.14, 36.34], [43.25, 36.1], [43.28, 35.8], [43.24, 35.51], [43.4, 35.2], [43.49, 34.93],
      [43.69, 34.6], [43.88, 34.2], [44.15, 33.95], [44.3, 33.6], [44.38, 33.33], [44.7, 33.05], [45.3, 32.8],
      [45.82, 32.51], [46.4, 32.2], [47.14, 31.84], [47.3, 31.4], [47.43, 31.0], [47.81, 30.51], [48.2, 30.2],
      [48.55, 29.95],
    ],
  },
  {
    name: { en: 'Khabur', ru: 'Хабур', ar: 'الخابور', tr: 'Habur' },
    line: [
      [40.07, 36.85], [40.3, 36.65], [40.55, 36.55], [40.75, 36.5], [40.75, 36.25], [40.73, 36.06], [40.77, 35.73],
      [40.6, 35.45], [40.45, 35.16],
    ],
  },
];
