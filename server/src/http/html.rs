//! Server-rendered HTML for the staff pages: the one escaping helper ([`Esc`]), highlighted
//! text, URL query encoding, and the page frame every page shares (header with the helpline
//! and the directory link, skip link, footer).
//!
//! Every string that did not come from this file goes through [`Esc`] — corpus text included,
//! since the corpus is edited by people and a fixture pins hostile names. Pages carry no inline
//! script, no inline style and no `style` attribute, so a `Content-Security-Policy` of
//! `default-src 'self'` fits them as they are.

use std::fmt::{self, Display, Write};
use std::sync::LazyLock;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

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

/// A whole page: frame plus the page's own `<main>` content.
pub struct Page {
    pub status: StatusCode,
    /// The page's own title; " — Signpost" is added.
    pub title: String,
    pub section: Section,
    /// Whether the page is the exact address of its section (for `aria-current="page"`).
    pub is_section_home: bool,
    pub helpline: Option<Helpline>,
    /// Load `/lookup.js` (the search box and shortcuts).
    pub script: bool,
    /// Further scripts of this server to load (deferred), by path.
    pub scripts: Vec<String>,
    /// The content of `<main>`, already escaped.
    pub main: String,
}

impl Page {
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.main.len() + 4096);
        let _ = write!(
            out,
            "<!doctype html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{} — Signpost</title>\n<link rel=\"stylesheet\" href=\"/lookup.css\">\n\
             <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n",
            Esc(&self.title)
        );
        if self.script {
            out.push_str("<script src=\"/lookup.js\" defer></script>\n");
        }
        for src in &self.scripts {
            let _ = writeln!(out, "<script src=\"{}\" defer></script>", Esc(src));
        }
        out.push_str(
            "</head>\n<body>\n<a class=\"skip-link\" href=\"#main\">Skip to main content</a>\n\
             <header class=\"site-header\">\n<div class=\"bar\">\n\
             <a class=\"brand\" href=\"/lookup\">Signpost</a>\n\
             <nav aria-label=\"Site\"><ul>\n",
        );
        for (section, href, label) in [
            (Section::Lookup, "/lookup", "Helpline lookup"),
            (Section::Directory, "/projects", "Project directory"),
            (Section::Webmasters, "/widget", "Widget for websites"),
        ] {
            let current = match (section == self.section, self.is_section_home) {
                (true, true) => " aria-current=\"page\"",
                (true, false) => " aria-current=\"true\"",
                _ => "",
            };
            let _ = writeln!(out, "<li><a href=\"{href}\"{current}>{label}</a></li>");
        }
        out.push_str("</ul></nav>\n");
        match &self.helpline {
            Some(h) => {
                let _ = writeln!(
                    out,
                    "<p class=\"helpline\"><span class=\"helpline-name\">{}</span> \
                     <a class=\"helpline-number\" href=\"{}\">{}</a></p>",
                    Esc(&h.name),
                    Esc(&h.href),
                    Esc(&h.number)
                );
            }
            None => {
                out.push_str("<p class=\"helpline\">No helpline number is given in the FAQ.</p>\n")
            }
        }
        out.push_str("</div>\n</header>\n<main id=\"main\" tabindex=\"-1\">\n");
        out.push_str(&self.main);
        out.push_str(
            "</main>\n<footer class=\"site-footer\">\n<p>Signpost answers from the local e-gov \
             National Projects FAQ (England, 2003–2005) and a directory of the projects it \
             covers. Check important details with the sources listed on each project page.</p>\n\
             </footer>\n</body>\n</html>\n",
        );
        out
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
