//! The embedded front end: the widget script, the demo page and its stylesheet, compiled into
//! the binary so the widget and the API it calls always come from the same build.
//!
//! Caching follows the usual split. `/widget.js` is the address webmasters paste: it is
//! revalidated often (short `max-age` plus an `ETag`, answered with 304 when unchanged), so an
//! upgrade reaches every council site within minutes. `/widget/<hash>.js` names the exact build
//! by a hash of its bytes and is cached for a year as `immutable`; the demo page uses it. Both
//! may be loaded from any origin (`Access-Control-Allow-Origin: *`,
//! `Cross-Origin-Resource-Policy: cross-origin`) and are gzip-compressed when the client asks.

use std::sync::LazyLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use signpost_indexer::fnv::fnv1a;
use tower_http::compression::CompressionLayer;

use super::error::ApiError;
use super::extract::ApiPath;

/// The widget as written, comments and all.
pub const WIDGET_SOURCE: &str = include_str!("../../../widget/signpost.js");
/// The widget as served: [`strip`]ped of its comment lines and indentation, which are for
/// people reading the source and cost every council page about a fifth of the download.
pub static WIDGET_JS: LazyLock<String> = LazyLock::new(|| strip(WIDGET_SOURCE));
pub const DEMO_HTML: &str = include_str!("../../../widget/demo.html");
pub const DEMO_CSS: &str = include_str!("../../../widget/demo.css");

/// How long browsers and proxies may reuse `/widget.js` before revalidating.
pub const SHORT_CACHE: &str = "public, max-age=300";
/// For content-addressed URLs: a year, and never revalidate.
pub const IMMUTABLE_CACHE: &str = "public, max-age=31536000, immutable";

/// The policy the demo page is served under: the strict one the widget promises to work in,
/// Trusted Types included.
pub const DEMO_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

/// JavaScript with whole-line `//` comments, blank lines and indentation removed; nothing
/// else changes, so no statement is touched. Safe for the widget because no string or
/// template literal in it spans lines that start with `//` or rely on leading spaces (its CSS
/// is written flush left); the browser tests run what this produces.
pub fn strip(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.lines().map(str::trim_start) {
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// One embedded file and the validator derived from its bytes.
struct Asset {
    body: &'static str,
    content_type: &'static str,
    version: String,
    etag: String,
}

impl Asset {
    fn new(body: &'static str, content_type: &'static str) -> Asset {
        // A stable content hash, so the hashed URL and the ETag change only with the content.
        let version = format!("{:016x}", fnv1a(body.as_bytes()));
        // Weak, because the compression layer may send the same content gzip-encoded.
        let etag = format!("W/\"{version}\"");
        Asset {
            body,
            content_type,
            version,
            etag,
        }
    }

    /// The asset, or 304 when the client already holds this version.
    fn respond(&self, request: &HeaderMap, cache: &'static str) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(
            header::ETAG,
            HeaderValue::from_str(&self.etag).expect("hex is a valid header"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(
            "cross-origin-resource-policy",
            HeaderValue::from_static("cross-origin"),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if if_none_match(request, &self.etag) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        (headers, self.body).into_response()
    }
}

static WIDGET: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(WIDGET_JS.as_str(), "text/javascript; charset=utf-8"));
static DEMO_STYLE: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(DEMO_CSS, "text/css; charset=utf-8"));

/// The content-addressed URL of this build's widget, e.g. `/widget/0123456789abcdef.js`.
pub fn widget_path() -> String {
    format!("/widget/{}.js", WIDGET.version)
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 requires for it).
fn if_none_match(request: &HeaderMap, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// The routes of the front end, compressed. Generic over the state so `app` can merge them.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(demo))
        .route("/widget.js", get(widget_js))
        .route("/widget/{file}", get(widget_versioned))
        .route("/demo.css", get(demo_css))
        .layer(CompressionLayer::new())
}

pub async fn widget_js(request: HeaderMap) -> Response {
    WIDGET.respond(&request, SHORT_CACHE)
}

/// `/widget/<hash>.js`. This build's hash is cached for a year. Another hash (a page pinned
/// to an older build) still gets today's widget, uncached, rather than a broken page; a page
/// that pinned it with Subresource Integrity will refuse it, which is what it asked for.
pub async fn widget_versioned(ApiPath(file): ApiPath<String>, request: HeaderMap) -> Response {
    match file.strip_suffix(".js") {
        Some(version) if version == WIDGET.version => WIDGET.respond(&request, IMMUTABLE_CACHE),
        Some(version) if !version.is_empty() && version.bytes().all(|b| b.is_ascii_hexdigit()) => {
            WIDGET.respond(&request, "no-cache")
        }
        _ => ApiError::NotFound.into_response(),
    }
}

pub async fn demo_css(request: HeaderMap) -> Response {
    DEMO_STYLE.respond(&request, SHORT_CACHE)
}

/// The demo page: both modes of the widget and the snippet to copy, filled with the address
/// this server was reached at.
pub async fn demo(uri: Uri, request: HeaderMap) -> Response {
    let page = DEMO_HTML
        .replace("{{WIDGET}}", &widget_path())
        .replace("{{ORIGIN}}", &public_origin(&uri, &request));
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, DEMO_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        page,
    )
        .into_response()
}

/// `scheme://host[:port]` as the client reached us, for the snippet. The host is accepted only
/// when it is made of host-name characters, so it can go into the page without escaping; a
/// proxy's `X-Forwarded-Proto` says whether the public side is https.
pub(super) fn public_origin(uri: &Uri, request: &HeaderMap) -> String {
    let host = request
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .filter(|h| is_host(h));
    let scheme = match request
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    match host {
        Some(host) => format!("{scheme}://{host}"),
        None => "https://signpost.example".to_owned(),
    }
}

fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_weakly_in_lists_and_star() {
        let tag = "W/\"abc\"";
        for (header, expected) in [
            ("W/\"abc\"", true),
            ("\"abc\"", true),
            ("\"x\", W/\"abc\"", true),
            ("*", true),
            ("\"abcd\"", false),
            ("", false),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static(header));
            assert_eq!(if_none_match(&headers, tag), expected, "{header}");
        }
        assert!(!if_none_match(&HeaderMap::new(), tag));
    }

    #[test]
    fn stripping_drops_comment_lines_and_indentation_only() {
        let source =
            "// owner\n(() => {\n  // why\n  const a = 'x // y';\n\n    return a; // kept\n})();\n";
        assert_eq!(
            strip(source),
            "(() => {\nconst a = 'x // y';\nreturn a; // kept\n})();\n"
        );
        assert!(WIDGET_JS.len() < WIDGET_SOURCE.len());
        assert!(WIDGET_JS.contains("customElements.define(TAG, SignpostChat)"));
    }

    #[test]
    fn the_version_changes_with_the_content() {
        assert_ne!(fnv1a(b"widget one"), fnv1a(b"widget two"));
        assert_eq!(WIDGET.version.len(), 16);
        assert_eq!(widget_path(), format!("/widget/{}.js", WIDGET.version));
    }

    #[test]
    fn only_host_names_reach_the_snippet() {
        let origin = |host: &'static str, proto: Option<&'static str>| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_static(host));
            if let Some(p) = proto {
                headers.insert("x-forwarded-proto", HeaderValue::from_static(p));
            }
            public_origin(&Uri::from_static("/"), &headers)
        };
        assert_eq!(origin("127.0.0.1:8080", None), "http://127.0.0.1:8080");
        assert_eq!(
            origin("ask.example.gov.uk", Some("https")),
            "https://ask.example.gov.uk"
        );
        assert_eq!(origin("[::1]:80", Some("gopher")), "http://[::1]:80");
        assert_eq!(origin("evil\"><script>", None), "https://signpost.example");
    }
}
