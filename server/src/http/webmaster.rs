//! `/widget`, the page for webmasters, and the favicon every page uses.
//!
//! The page is `widget/README.md` itself, rendered from Markdown when the server starts, with
//! `https://signpost.example` replaced by the address this server was reached at: one source
//! for the README and the page, so the two cannot drift. Raw HTML in the Markdown is shown as
//! text, never passed on. Where the README has the `<!-- live preview -->` marker, the page
//! adds a form to try the settings on a live widget and copy the resulting snippet; that part
//! needs `widget-page.js` and is hidden without it.

use std::sync::LazyLock;

use axum::extract::State;
use axum::http::{header, HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use maud::{html, PreEscaped};
use pulldown_cmark::{html, Event, Options, Parser};

use super::html::{Esc, Page, Section};
use super::pages::{public_origin, widget_path};
use super::site::page;
use super::AppState;

pub const WIDGET_README: &str = include_str!("../../../widget/README.md");
pub const WIDGET_PAGE_JS: &str = include_str!("../../assets/widget-page.js");
pub const FAVICON_SVG: &str = include_str!("../../assets/favicon.svg");

/// The address the README's examples use, replaced on the page by this server's.
pub const EXAMPLE_ORIGIN: &str = "https://signpost.example";
/// Where in the README the live preview goes.
const PREVIEW_MARKER: &str = "<!-- live preview -->";

/// The README as HTML, with the preview in place; the example origin is replaced per request.
static RENDERED: LazyLock<String> = LazyLock::new(|| render(WIDGET_README));

/// Markdown to HTML: tables on, raw HTML turned into text, the preview marker into the form.
pub fn render(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) if raw.trim() == PREVIEW_MARKER => {
            Event::Html(PREVIEW.into())
        }
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, events);
    out
}

/// `GET /widget`: the README for this server, with the live preview.
pub async fn widget_page(State(state): State<AppState>, uri: Uri, request: HeaderMap) -> Page {
    let engine = state.engine();
    let origin = public_origin(&uri, &request);
    // The README is HTML already (rendered from Markdown with raw HTML turned into text);
    // `public_origin` admits only host-name characters, and is escaped here all the same.
    let readme = RENDERED.replace(EXAMPLE_ORIGIN, &Esc(&origin).to_string());
    let main = html! {
        div.readme data-origin=(origin) { (PreEscaped(readme)) }
    };
    page(
        &engine,
        "The widget for your website",
        Section::Webmasters,
        main,
    )
    .at_section_home(true)
    .script(widget_path())
    .script("/widget-page.js")
}

pub async fn widget_page_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        WIDGET_PAGE_JS,
    )
}

/// `/favicon.svg`, and `/favicon.ico` for browsers that ask for it without being told (they
/// accept an SVG there), so no page of Signpost's logs a 404 for it.
pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON_SVG,
    )
        .into_response()
}

/// The live preview: settings to try, the widget they make, and the snippet to copy. Shown
/// by `widget-page.js`; without it, only the note that it needs JavaScript.
const PREVIEW: &str = "<section class=\"try\" aria-labelledby=\"try-heading\">\n\
<h2 id=\"try-heading\">Try it here</h2>\n\
<p class=\"try-nojs\">The live preview needs JavaScript. The snippets above work as they are.</p>\n\
<div class=\"try-body\" hidden>\n\
<p>Change the settings and the widget below follows; the snippet under it is what to paste.</p>\n\
<form class=\"try-form\" id=\"try-form\">\n\
<fieldset><legend>Where it appears</legend>\n\
<div class=\"field\"><label for=\"try-mode\">Mode</label>\n\
<select id=\"try-mode\" name=\"mode\"><option value=\"inline\">In the page</option>\
<option value=\"launcher\">Floating button</option></select></div>\n\
<div class=\"field\"><label for=\"try-position\">Corner (floating button)</label>\n\
<select id=\"try-position\" name=\"position\"><option value=\"bottom-right\">Bottom right</option>\
<option value=\"bottom-left\">Bottom left</option></select></div>\n\
</fieldset>\n\
<fieldset><legend>Words</legend>\n\
<div class=\"field\"><label for=\"try-heading-text\">Heading</label>\n\
<input id=\"try-heading-text\" name=\"heading\" type=\"text\" data-attr=\"heading\" value=\"Ask a question\"></div>\n\
<div class=\"field\"><label for=\"try-greeting\">Greeting</label>\n\
<input id=\"try-greeting\" name=\"greeting\" type=\"text\" data-attr=\"greeting\" value=\"Hello. Ask me about the local e-gov National Projects: what they made, who ran them and where to get help.\"></div>\n\
<div class=\"field\"><label for=\"try-placeholder\">Placeholder</label>\n\
<input id=\"try-placeholder\" name=\"placeholder\" type=\"text\" data-attr=\"placeholder\" value=\"For example: is there a helpline?\"></div>\n\
<div class=\"field\"><label for=\"try-launcher\">Floating button text</label>\n\
<input id=\"try-launcher\" name=\"launcher\" type=\"text\" data-attr=\"text-launcher\" value=\"Ask a question\"></div>\n\
</fieldset>\n\
<fieldset><legend>Colours</legend>\n\
<div class=\"colours\">\n\
<div class=\"field\"><label for=\"try-accent\">Accent</label><input id=\"try-accent\" type=\"color\" data-prop=\"--signpost-accent\" value=\"#1d4f91\"></div>\n\
<div class=\"field\"><label for=\"try-on-accent\">Text on accent</label><input id=\"try-on-accent\" type=\"color\" data-prop=\"--signpost-on-accent\" value=\"#ffffff\"></div>\n\
<div class=\"field\"><label for=\"try-background\">Background</label><input id=\"try-background\" type=\"color\" data-prop=\"--signpost-background\" value=\"#ffffff\"></div>\n\
<div class=\"field\"><label for=\"try-text\">Text</label><input id=\"try-text\" type=\"color\" data-prop=\"--signpost-text\" value=\"#1b1b1b\"></div>\n\
<div class=\"field\"><label for=\"try-muted\">Muted text</label><input id=\"try-muted\" type=\"color\" data-prop=\"--signpost-muted\" value=\"#505a5f\"></div>\n\
<div class=\"field\"><label for=\"try-link\">Links</label><input id=\"try-link\" type=\"color\" data-prop=\"--signpost-link\" value=\"#1d4f91\"></div>\n\
<div class=\"field\"><label for=\"try-border\">Borders</label><input id=\"try-border\" type=\"color\" data-prop=\"--signpost-border\" value=\"#6f777b\"></div>\n\
<div class=\"field\"><label for=\"try-focus\">Focus ring</label><input id=\"try-focus\" type=\"color\" data-prop=\"--signpost-focus\" value=\"#0b0c0c\"></div>\n\
</div>\n\
<p id=\"try-contrast\" class=\"try-contrast\" role=\"status\"></p>\n\
</fieldset>\n\
<p><button type=\"reset\" class=\"secondary\">Back to the defaults</button></p>\n\
</form>\n\
<h3 id=\"try-preview-heading\">Preview</h3>\n\
<div id=\"try-preview\" class=\"try-preview\"><signpost-chat></signpost-chat></div>\n\
<h3 id=\"try-snippet-heading\">Your snippet</h3>\n\
<pre><code id=\"try-snippet\"></code></pre>\n\
<p class=\"copy-row\"><button type=\"button\" id=\"try-copy\">Copy the snippet</button> \
<span id=\"try-copied\" role=\"status\"></span></p>\n\
</div>\n\
</section>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_with_tables_and_raw_html_as_text() {
        let html = render(
            "# Title\n\n| a | b |\n|---|---|\n| `x` | y |\n\n<script>alert(1)</script>\n\n\
             Text <b>bold</b> at https://signpost.example/widget.js\n",
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<code>x</code>"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("&lt;b&gt;"), "{html}");
        assert!(
            html.contains(&format!("{EXAMPLE_ORIGIN}/widget.js")),
            "{html}"
        );
    }

    #[test]
    fn the_readme_has_the_preview_marker() {
        assert!(WIDGET_README.contains(PREVIEW_MARKER));
        assert!(RENDERED.contains("id=\"try-form\""));
    }
}
