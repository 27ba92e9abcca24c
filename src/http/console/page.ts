import { escapeHtml } from './security.js';

/** What the page is rendered from. */
export interface PageSettings {
  title: string;
  refreshMs: number;
  showValues: boolean;
}

/**
 * The console's HTML: a static frame that `console.js` fills from the JSON routes (with
 * `textContent`, never markup). The only text written here is the title and the settings, escaped.
 * No inline script or style, so the strict Content-Security-Policy holds; every URL is relative, so
 * the page works wherever the router is mounted.
 */
export function renderPage(s: PageSettings): string {
  const title = escapeHtml(s.title);
  const valuesHead = s.showValues ? '<th scope="col">values</th>' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Customer.io console</title>
<link rel="icon" href="./favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="./console.css">
<script src="./console.js" defer></script>
</head>
<body data-refresh-ms="${escapeHtml(String(s.refreshMs))}" data-show-values="${s.showValues ? 'true' : 'false'}">
<header>
<h1>${title}</h1>
<p class="sub">Customer.io operations console · <span id="updated" aria-live="polite">loading…</span></p>
</header>
<main>
<p id="message" role="status" aria-live="polite"></p>
<section aria-labelledby="h-circuits">
<h2 id="h-circuits">Circuits</h2>
<table id="circuits">
<thead><tr><th scope="col">API</th><th scope="col">state</th><th scope="col">consecutive failures</th><th scope="col">last failure</th></tr></thead>
<tbody></tbody>
</table>
<p class="actions">
<button type="button" id="isolate">Hold circuits open (isolate)</button>
<button type="button" id="release">Release</button>
<span id="isolation"></span>
</p>
</section>
<section aria-labelledby="h-queue">
<h2 id="h-queue">Fallback queue</h2>
<dl id="queue"></dl>
<p class="actions"><button type="button" id="flush">Flush now</button></p>
</section>
<section aria-labelledby="h-outcomes">
<h2 id="h-outcomes">Outcomes</h2>
<table id="outcomes">
<thead><tr><th scope="col">outcome</th><th scope="col" id="outcomes-recent">recent</th><th scope="col" id="outcomes-total">since start</th></tr></thead>
<tbody></tbody>
</table>
</section>
<section aria-labelledby="h-dead">
<h2 id="h-dead">Dead letters</h2>
<p class="note">Operations Customer.io refused for good, or that may have reached it: each waits for a person to re-drive or discard it.</p>
<p class="actions">
<button type="button" id="redrive-selected">Re-drive selected</button>
<button type="button" id="redrive-all">Re-drive all</button>
<span id="dead-count"></span>
</p>
<table id="dead">
<thead><tr><th scope="col"><input type="checkbox" id="select-all" aria-label="Select every dead letter shown"></th><th scope="col">set aside</th><th scope="col">operation</th><th scope="col">person</th><th scope="col">reason</th><th scope="col">attempts</th>${valuesHead}<th scope="col"></th></tr></thead>
<tbody></tbody>
</table>
<p id="dead-empty" hidden>No dead letters.</p>
</section>
<noscript><p>This console needs JavaScript (served by this router, nothing external). Its data is also at ./api/status and ./api/dead-letters.</p></noscript>
</main>
</body>
</html>
`;
}
