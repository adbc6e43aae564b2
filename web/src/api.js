// The API, same origin only. The API key lives in sessionStorage (this tab only) and goes out as X-Api-Key.
const KEY = 'referral.apiKey';

export const getKey = () => sessionStorage.getItem(KEY) || null;
export const setKey = (key) => (key ? sessionStorage.setItem(KEY, key) : sessionStorage.removeItem(KEY));

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export async function api(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const h = { Accept: 'application/json', ...headers };
  const key = getKey();
  if (key) h['X-Api-Key'] = key;
  if (body !== undefined && !(body instanceof FormData) && typeof body !== 'string') {
    h['Content-Type'] = 'application/json';
    body = JSON.stringify(body);
  }
  const res = await fetch(path, { method, body, headers: h, signal, credentials: 'same-origin' });
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    if (data && typeof data === 'object' && data.errors) {
      const first = Object.entries(data.errors)[0];
      if (first) data.detail = `${first[0]}: ${[].concat(first[1]).join(' ')}`;
    }
    throw new ApiError(res.status, typeof data === 'object' ? data : { title: String(data) });
  }
  return { status: res.status, data, headers: res.headers };
}

let categoriesPromise;

/** The referral categories with their labels in every language (code → term), from the API's taxonomy. */
export function loadCategories() {
  categoriesPromise ??= (async () => {
    const taxonomies = (await api('/api/taxonomies?per_page=100')).data.contents ?? [];
    const referral = taxonomies.find((x) => x.name === 'referral-category');
    const query = referral ? `taxonomy_id=${encodeURIComponent(referral.id)}&` : '';
    const terms = (await api(`/api/taxonomy_terms?${query}per_page=100`)).data.contents ?? [];
    return new Map(terms.filter((term) => term.code).sort((a, b) => a.code.localeCompare(b.code)).map((term) => [term.code, term]));
  })().catch((e) => {
    categoriesPromise = undefined;
    throw e;
  });
  return categoriesPromise;
}
