// Every visible string comes from the message files (messages/*.json); category labels come from the API.
import en from '../messages/en.json';
import es from '../messages/es.json';
import pt from '../messages/pt.json';
import fr from '../messages/fr.json';

export const catalogs = { es, en, pt, fr };
export const languages = Object.keys(catalogs);
const STORE = 'referral.language';
let current = 'en';
const listeners = new Set();

/** The language the user chose before, else the browser's (Accept-Language / navigator.languages), else English. */
export function detectLanguage() {
  const stored = localStorage.getItem(STORE);
  if (stored && catalogs[stored]) return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (catalogs[base]) return base;
  }
  return 'en';
}

export const language = () => current;

export function setLanguage(lang, { remember = false } = {}) {
  current = catalogs[lang] ? lang : 'en';
  document.documentElement.lang = current;
  if (remember) localStorage.setItem(STORE, current);
  for (const f of listeners) f(current);
}

export const onLanguageChange = (f) => listeners.add(f);

/** The message in the current language (English when a translation is missing), with {name} placeholders filled. */
export function t(key, params) {
  const text = catalogs[current][key] ?? en[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m)) : text;
}

export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(current, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** Metres as the list shows them: kilometres with one decimal (no decimals from 100 km). */
export function formatDistance(metres) {
  if (metres === null || metres === undefined) return t('missing.na');
  const km = metres / 1000;
  return t('common.km', { km: formatNumber(km, km >= 100 ? 0 : 1) });
}

export function formatPercent(share) {
  if (share === null || share === undefined) return t('missing.na');
  return new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 0 }).format(share);
}

/** Category label from the API's taxonomy labels in the current language. */
export function categoryLabel(categories, code, fallback) {
  const labels = categories?.get(code)?.labels;
  return labels?.[current] ?? labels?.en ?? fallback ?? code;
}
