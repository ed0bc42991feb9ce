//! Signpost's end-to-end tests: the whole product through its HTTP interface, over a
//! temporary index built from a corpus.

mod abuse; // rate limits per client (spoofed forwarded headers gain nothing), the search cap, health under load
mod analytics; // asks and feedback recorded redacted, the /admin report and CSV, auth, metrics, a failing store
mod answers; // spelling variants, synonyms, typos, refusals, follow-ups and small talk
mod api_ask; // the answer endpoint: shape, answers, refusals and conversation
mod api_errors; // every malformed or hostile request gets the one JSON error shape
mod api_reference; // projects, FAQ and health endpoints
mod api_suggest; // as-you-type suggestions: prefixes, typos, limits, bad and hostile input
mod connections; // idle, trickling and kept-alive connections closed; 500 of them at a low file limit; shutdown with a half-sent head
mod corpus; // the shipped corpus passes `check`; a broken one is refused with file and line
mod editor; // the editors' loop: a gap taught live, previewed, undone; out of scope; CSRF and cross-site writes refused; bad fixes
mod headers; // CORS for the read API, write and admin endpoints; CSP and security headers; generation header
mod hostile; // any string through the engine and the HTTP app: 200 or 4xx, never a panic; limits before the engine
mod keepalive; // twenty asks on one kept-alive connection, accepted with TCP_NODELAY
mod limits; // configurable limits and request timeout; the README lists every error code
mod openapi; // /api/v1/openapi.json covers every public endpoint; its question schema is exactly what the server accepts
mod pages_faq_widget; // /faq/{id} pages the API's url points at, /widget rendered from widget/README.md, the favicon
mod pages_lookup; // /lookup, /projects and project pages: no-JS results, escaping, filters, 404
mod process; // the real binary: SIGTERM/Ctrl-C drain in flight, SIGHUP reindex, full disk, corrupt index at start
mod quality; // the dev sets and the external FAQ collections stay above their floors
mod reader; // what a reader sees: the passage that answers, follow-ups that keep to their subject, which project, council business
mod reindex; // POST /admin/reindex under continuous questions: zero failures, answers match their generation
mod replicas; // two servers on one PostgreSQL store: a vote and a taught phrasing reach the other; the database stopped under traffic
mod report; // declined on purpose apart from gaps, answers and confidence by question, confident answers voted not helpful, the site filter in the page, exports and `report --site`
mod socket; // a real server on 127.0.0.1 answers over HTTP
mod widget_assets; // widget.js, its hashed URL, the demo page: types, caching, gzip, CORS, CSP
mod words; // words as people write them: personal details ignored, English words kept, texting forms read
