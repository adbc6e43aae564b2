// The web app's shell: header (views, language, API key), a tiny router for /, /find and /gaps[/id], one module per view.
import 'leaflet/dist/leaflet.css';
import '../styles/app.css';
import { getKey, setKey } from './api.js';
import { h, replace, uid } from './dom.js';
import { t, detectLanguage, setLanguage, language, languages, catalogs, onLanguageChange } from './i18n.js';
import { renderFind, readUrl, leaveFind } from './find.js';
import { renderGaps, leaveGaps } from './gaps.js';

const main = document.getElementById('main');
const header = document.getElementById('header');
let firstRender = true;

function route() {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const gaps = path.match(/^\/gaps(?:\/([0-9a-fA-F-]{36}))?$/);
  return gaps ? { view: 'gaps', id: gaps[1] ?? null } : { view: 'find' };
}

function renderHeader(current) {
  const langId = uid('lang');
  const keyId = uid('key');
  const keyInput = h('input', { id: keyId, type: 'password', autocomplete: 'off', spellcheck: 'false', value: '' });
  const keyStatus = h('p', { class: 'muted', role: 'status' }, getKey() ? t('key.active') : t('key.none'));
  const link = (view, href) => h('a', { href, 'aria-current': current === view ? 'page' : null, onclick: navigate }, t(`nav.${view}`));
  replace(header,
    h('a', { class: 'skip', href: '#main' }, t('app.skip')),
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'R'),
      h('span', {}, h('strong', {}, t('app.title')), h('span', { class: 'tagline' }, t('app.tagline')))),
    h('nav', { 'aria-label': t('nav.label') }, h('ul', {}, h('li', {}, link('find', '/find')), h('li', {}, link('gaps', '/gaps')))),
    h('div', { class: 'tools' },
      h('div', { class: 'lang' }, h('label', { for: langId }, t('lang.label')),
        h('select', { id: langId, onchange: (e) => setLanguage(e.target.value, { remember: true }) },
          languages.map((l) => h('option', { value: l, selected: l === language(), lang: l }, catalogs[l]['lang.name'])))),
      h('details', { class: 'key' },
        h('summary', {}, t('key.summary')),
        h('form', {
          onsubmit: (e) => {
            e.preventDefault();
            setKey(keyInput.value.trim());
            keyInput.value = '';
            replace(keyStatus, getKey() ? t('key.active') : t('key.none'));
            render();
          },
        },
        h('label', { for: keyId }, t('key.label')), keyInput,
        h('div', { class: 'row' },
          h('button', { type: 'submit', class: 'secondary' }, t('key.save')),
          h('button', { type: 'button', class: 'secondary', onclick: () => { setKey(null); replace(keyStatus, t('key.none')); render(); } }, t('key.clear'))),
        keyStatus))));
}

function navigate(e) {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  history.pushState(null, '', e.currentTarget.getAttribute('href'));
  render();
}

export function go(href) {
  history.pushState(null, '', href);
  render();
}

async function render() {
  const r = route();
  document.body.dataset.ready = '';
  document.title = `${t(`nav.${r.view}`)} · ${t('app.title')}`;
  renderHeader(r.view);
  if (r.view === 'find') {
    leaveGaps();
    const deep = firstRender && readUrl(new URLSearchParams(location.search));
    await renderFind(main, { autoSearch: deep });
  } else {
    leaveFind();
    await renderGaps(main, { id: r.id, go });
  }
  firstRender = false;
  document.body.dataset.ready = r.view;
}

setLanguage(detectLanguage());
window.addEventListener('popstate', render);
onLanguageChange(() => render());
document.getElementById('no-app')?.remove();
render();
