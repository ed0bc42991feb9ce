//! Server-rendered HTML: the one document frame every page shares ([`document`]), the staff
//! pages' frame around it ([`Page`]: header with the helpline and the sections, skip link,
//! footer), highlighted and linked text, and URL query encoding.
//!
//! Pages are `maud` templates, which escape every value unless it is marked as HTML
//! ([`Marked`] and [`Paragraphs`] escape their text themselves); [`Esc`] is for the few
//! places that write HTML outside a template. Corpus text is escaped like anything else,
//! since the corpus is edited by people and a fixture pins hostile names. Pages carry no
//! inline script, no inline style and no `style` attribute, so a `Content-Security-Policy` of
//! `default-src 'self'` fits them as they are.

use std::fmt::{self, Display, Write};
use std::sync::LazyLock;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use maud::{html, Markup, PreEscaped, Render};
use regex::Regex;

use crate::engine::Helpline;

/// Text escaped for HTML element content and double- or single-quoted attribute values.
pub struct Esc<'a>(pub &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..at])?;
            f.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

/// Text with `[start, end)` character ranges wrapped in `<mark>`, phone numbers and web
/// addresses made links (see [`find_links`]), everything escaped. Ranges out of order,
/// overlapping or past the end are tolerated; a highlight that crosses a link's edge is
/// split there, so the elements always nest.
pub struct Marked<'a>(pub &'a str, pub &'a [[usize; 2]]);

impl Display for Marked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Marked(text, ranges) = *self;
        // Character offsets → byte offsets, once.
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        let at = |c: usize| bytes[c.min(bytes.len() - 1)];
        let marks: Vec<(usize, usize)> = ranges
            .iter()
            .map(|[from, to]| (at(*from), at(*to)))
            .filter(|(from, to)| from < to)
            .collect();
        let links = find_links(text);
        let mut cuts: Vec<usize> = vec![0, text.len()];
        cuts.extend(marks.iter().flat_map(|(a, b)| [*a, *b]));
        cuts.extend(links.iter().flat_map(|l| [l.start, l.end]));
        cuts.sort_unstable();
        cuts.dedup();
        let mut open_mark = false;
        for piece in cuts.windows(2) {
            let (from, to) = (piece[0], piece[1]);
            let link = links.iter().find(|l| l.start <= from && to <= l.end);
            let marked = marks.iter().any(|(a, b)| *a <= from && to <= *b);
            if open_mark && (!marked || link.is_some_and(|l| l.start == from)) {
                f.write_str("</mark>")?;
                open_mark = false;
            }
            if let Some(l) = link.filter(|l| l.start == from) {
                write!(f, "<a href=\"{}\">", Esc(&l.href))?;
            }
            if marked && !open_mark {
                f.write_str("<mark>")?;
                open_mark = true;
            }
            write!(f, "{}", Esc(&text[from..to]))?;
            if link.is_some_and(|l| l.end == to) {
                if open_mark {
                    f.write_str("</mark>")?;
                    open_mark = false;
                }
                f.write_str("</a>")?;
            }
        }
        if open_mark {
            f.write_str("</mark>")?;
        }
        Ok(())
    }
}

/// [`Marked`] escapes its text itself and adds only its own `<mark>` and `<a>`, so a template
/// takes it as it is.
impl Render for Marked<'_> {
    fn render_to(&self, buffer: &mut String) {
        let _ = write!(buffer, "{self}");
    }
}

/// A phone number or web address found in plain text: `start..end` in bytes, and where it
/// leads (`tel:+44…` or the address itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub start: usize,
    pub end: usize,
    pub href: String,
}

/// UK phone numbers as the corpus writes them ("0870 777 0011", "+44 20 7946 0000": 10 or 11
/// digits, spaces or hyphens between groups).
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+44 ?|\b0)[0-9](?:[ -]?[0-9]){8,9}\b").expect("a valid pattern")
});
/// Web addresses starting `http://` or `https://`.
static WEB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\bhttps?://[^\s<>"]+"#).expect("a valid pattern"));

/// The phone numbers and web addresses in `text`, in order, as links. The widget and
/// `lookup.js` find the same ones (a browser test holds them equal); trailing punctuation is
/// the sentence's, not the address's. A bare `www.` address is left as text.
pub fn find_links(text: &str) -> Vec<Link> {
    let mut links: Vec<Link> = Vec::new();
    for m in WEB.find_iter(text) {
        let mut url = m.as_str();
        while let Some(last) = url.chars().last() {
            let unbalanced = last == ')' && !url.contains('(');
            if ".,;:!?'\"’”]".contains(last) || unbalanced {
                url = &url[..url.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        if is_web_link(url) {
            links.push(Link {
                start: m.start(),
                end: m.start() + url.len(),
                href: url.to_string(),
            });
        }
    }
    for m in PHONE.find_iter(text) {
        if links.iter().any(|l| l.start < m.end() && m.start() < l.end) {
            continue;
        }
        let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
        let national = digits.strip_prefix("44").unwrap_or(&digits);
        let national = national.strip_prefix('0').unwrap_or(national);
        links.push(Link {
            start: m.start(),
            end: m.end(),
            href: format!("tel:+44{national}"),
        });
    }
    links.sort_by_key(|l| l.start);
    links
}

/// Text split at blank lines into escaped `<p>` paragraphs, phone numbers and web addresses
/// linked.
pub struct Paragraphs<'a>(pub &'a str);

impl Display for Paragraphs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for paragraph in self
            .0
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            write!(f, "<p>{}</p>", Marked(paragraph, &[]))?;
        }
        Ok(())
    }
}

impl Render for Paragraphs<'_> {
    fn render_to(&self, buffer: &mut String) {
        let _ = write!(buffer, "{self}");
    }
}

/// Percent-encodes a value for a URL query string (`application/x-www-form-urlencoded`).
pub fn query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// The link to look a question up on the lookup page.
pub fn lookup_href(q: &str) -> String {
    format!("/lookup?q={}", query_value(q))
}

/// Is this an address safe to link to from a page (no `javascript:` and friends)?
pub fn is_web_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Which part of the site a page belongs to, for `aria-current` in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Lookup,
    Directory,
    Webmasters,
}

/// What goes in a document's `<head>` besides what every page has (charset, viewport,
/// favicon).
pub struct Head<'a> {
    /// The whole `<title>`.
    pub title: &'a str,
    /// The one stylesheet, a path on this server.
    pub stylesheet: &'a str,
    /// Scripts of this server to load (deferred), by path.
    pub scripts: &'a [String],
    /// Ask search engines to leave the page alone (the admin pages).
    pub noindex: bool,
}

/// The one page frame: `<!doctype html>`, `<html lang="en-GB">`, the `<head>` and `body`
/// around it. Every page of Signpost, staff and admin alike, comes from here. Nothing in it is
/// inline (no script, no style, no `style` attribute), so the strict CSP fits every page.
pub fn document(head: &Head, body: Markup) -> Markup {
    html! {
        (PreEscaped("<!doctype html>\n"))
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if head.noindex {
                    meta name="robots" content="noindex, nofollow";
                }
                title { (head.title) }
                link rel="stylesheet" href=(head.stylesheet);
                link rel="icon" href="/favicon.svg" type="image/svg+xml";
                @for src in head.scripts {
                    script src=(src) defer {}
                }
            }
            body { (body) }
        }
    }
}

/// A staff page: the site's frame (skip link, header with the sections and the helpline,
/// footer) around the page's own `<main>` content. Built with [`Page::new`] and the few
/// setters below, so a call says which options it takes by name.
pub struct Page {
    pub status: StatusCode,
    /// The page's own title; " — Signpost" is added.
    pub title: String,
    pub section: Section,
    /// Whether the page is the exact address of its section (for `aria-current="page"`).
    pub at_section_home: bool,
    pub helpline: Option<Helpline>,
    /// Scripts of this server to load (deferred), by path.
    pub scripts: Vec<String>,
    /// The content of `<main>`.
    pub main: Markup,
}

impl Page {
    /// A 200 page in `section` with `helpline` in its header and no scripts.
    pub fn new(
        title: impl Into<String>,
        section: Section,
        helpline: Option<Helpline>,
        main: Markup,
    ) -> Page {
        Page {
            status: StatusCode::OK,
            title: title.into(),
            section,
            at_section_home: false,
            helpline,
            scripts: Vec::new(),
            main,
        }
    }

    pub fn status(mut self, status: StatusCode) -> Page {
        self.status = status;
        self
    }

    /// Marks the page as its section's own address (`aria-current="page"` in the header).
    pub fn at_section_home(mut self, yes: bool) -> Page {
        self.at_section_home = yes;
        self
    }

    /// Loads `src` (deferred) after the scripts already named.
    pub fn script(mut self, src: impl Into<String>) -> Page {
        self.scripts.push(src.into());
        self
    }

    pub fn render(&self) -> String {
        let title = format!("{} — Signpost", self.title);
        let head = Head {
            title: &title,
            stylesheet: "/lookup.css",
            scripts: &self.scripts,
            noindex: false,
        };
        let sections = [
            (Section::Lookup, "/lookup", "Helpline lookup"),
            (Section::Directory, "/projects", "Project directory"),
            (Section::Webmasters, "/widget", "Widget for websites"),
        ];
        let body = html! {
            a.skip-link href="#main" { "Skip to main content" }
            header.site-header {
                div.bar {
                    a.brand href="/lookup" { "Signpost" }
                    nav aria-label="Site" {
                        ul {
                            @for (section, href, label) in sections {
                                li {
                                    a href=(href) aria-current=[self.current(section)] { (label) }
                                }
                            }
                        }
                    }
                    @match &self.helpline {
                        Some(h) => p.helpline {
                            span.helpline-name { (h.name) }
                            " "
                            a.helpline-number href=(h.href) { (h.number) }
                        },
                        None => p.helpline { "No helpline number is given in the FAQ." },
                    }
                }
            }
            main #main tabindex="-1" { (self.main) }
            footer.site-footer {
                p {
                    "Signpost answers from the local e-gov National Projects FAQ (England, \
                     2003–2005) and a directory of the projects it covers. Check important \
                     details with the sources listed on each project page."
                }
            }
        };
        document(&head, body).into_string()
    }

    /// `aria-current` for the header's link to `section`.
    fn current(&self, section: Section) -> Option<&'static str> {
        match (section == self.section, self.at_section_home) {
            (true, true) => Some("page"),
            (true, false) => Some("true"),
            _ => None,
        }
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        (
            self.status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            self.render(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        let cases = [
            ("plain", "plain"),
            (
                "<script>alert('x')</script>",
                "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
            ),
            ("a & b", "a &amp; b"),
            ("\"quoted\"", "&quot;quoted&quot;"),
            ("£80m — ünïcode", "£80m — ünïcode"),
            ("&amp;", "&amp;amp;"),
        ];
        for (raw, escaped) in cases {
            assert_eq!(Esc(raw).to_string(), escaped, "{raw}");
        }
    }

    #[test]
    fn marks_character_ranges_and_escapes_inside_and_out() {
        let text = "£5 <b>planning</b> & more";
        // "planning" is characters 6..14.
        let out = Marked(text, &[[6, 14]]).to_string();
        assert_eq!(
            out,
            "£5 &lt;b&gt;<mark>planning</mark>&lt;/b&gt; &amp; more"
        );
        // Overlapping, reversed and out-of-range ranges never panic or duplicate text.
        let out = Marked("abcdef", &[[4, 99], [1, 3], [2, 5], [9, 1]]).to_string();
        assert_eq!(out, "a<mark>bcdef</mark>");
    }

    #[test]
    fn phone_numbers_and_web_addresses_become_links() {
        let cases = [
            (
                "Call the line (tel: 0870 777 0011) today.",
                "Call the line (tel: <a href=\"tel:+448707770011\">0870 777 0011</a>) today.",
            ),
            (
                "Ring +44 20 7946 0000, or 020-7946-0000.",
                "Ring <a href=\"tel:+442079460000\">+44 20 7946 0000</a>, or \
                 <a href=\"tel:+442079460000\">020-7946-0000</a>.",
            ),
            (
                "See https://www.example.org/a?b=1&c=2.",
                "See <a href=\"https://www.example.org/a?b=1&amp;c=2\">https://www.example.org/a?b=1&amp;c=2</a>.",
            ),
            (
                "(see https://example.org/x)",
                "(see <a href=\"https://example.org/x\">https://example.org/x</a>)",
            ),
            // Years, money and short numbers stay text; so does a javascript: address.
            (
                "From 2003 to 2005, £80m; 0870 777; javascript:alert(1)",
                "From 2003 to 2005, £80m; 0870 777; javascript:alert(1)",
            ),
        ];
        for (text, html) in cases {
            assert_eq!(Marked(text, &[]).to_string(), html, "{text}");
        }
    }

    #[test]
    fn highlights_split_at_a_links_edges() {
        // "line 0870" highlighted: the mark closes before the link opens and reopens inside.
        let text = "the line 0870 777 0011 now";
        assert_eq!(
            Marked(text, &[[4, 13]]).to_string(),
            "the <mark>line </mark><a href=\"tel:+448707770011\"><mark>0870</mark> 777 0011</a> now"
        );
    }

    #[test]
    fn paragraphs_split_at_blank_lines() {
        assert_eq!(
            Paragraphs("One <a>.\n\n\n\nTwo.\n").to_string(),
            "<p>One &lt;a&gt;.</p><p>Two.</p>"
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(query_value("who led it?"), "who+led+it%3F");
        assert_eq!(query_value("a&b=c#d"), "a%26b%3Dc%23d");
        assert_eq!(query_value("£"), "%C2%A3");
    }

    #[test]
    fn only_web_links_are_linked() {
        assert!(is_web_link("https://example.org/a?b=c"));
        assert!(is_web_link("http://example.org"));
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:x",
            "data:text/html,x",
            "//evil",
            "https://a b",
        ] {
            assert!(!is_web_link(bad), "{bad}");
        }
    }
}
