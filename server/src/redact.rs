//! Redaction of personal data from free text the public types: questions, feedback comments
//! and site ids pass through [`redact`] before anything is stored or logged. It removes
//! e-mail addresses, UK phone numbers, full UK postcodes (keeping the outward code, which
//! names an area, not a household), National Insurance numbers, and long digit runs (card,
//! account and reference numbers).
//!
//! Questions also pass through [`blank`] before they are analysed for an answer: the same
//! recognisers, one source of truth, but what they find becomes spaces of the same length, so
//! an e-mail address or a phone number does not dilute what the question asks while the
//! question's other words keep their byte offsets (for splicing in corrections).
//!
//! Redaction errs towards removing: a question that loses a harmless number is a small cost,
//! a stored phone number is not. What it cannot find — a name, a street address in words — is
//! why the store keeps nothing else about the person and deletes everything after the
//! retention period.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What an e-mail address becomes.
pub const EMAIL: &str = "[email]";
/// What a UK phone number becomes.
pub const PHONE: &str = "[phone]";
/// What a National Insurance number becomes.
pub const NI_NUMBER: &str = "[ni number]";
/// What a long digit run becomes.
pub const NUMBER: &str = "[number]";
/// What replaces the inward code of a full postcode ("SW1A 1AA" → "SW1A ***").
pub const INWARD_CODE: &str = "***";

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    // Local part, optionally obfuscated " at " / " dot " forms are not attempted: they are
    // rare in questions and matching them would eat ordinary words.
    Regex::new(r"(?i)[a-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+")
        .expect("valid e-mail pattern")
});

static NI_RE: LazyLock<Regex> = LazyLock::new(|| {
    // Two prefix letters, three pairs of digits, an optional suffix A–D; spaces or hyphens
    // between the groups as people write them. The prefix rules (no D, F, I, Q, U, V…) are
    // deliberately not enforced: a mistyped NI number is still someone's. A space after the
    // prefix is accepted only in capitals, so "is 12 34 56" keeps its "is".
    Regex::new(
        r"\b(?:[A-Z]{2}[ \-]?|(?i:[a-z]{2}))\d{2}[ \-]?\d{2}[ \-]?\d{2}(?:[ \-]?(?i:[a-d]))?\b",
    )
    .expect("valid NI pattern")
});

static POSTCODE_RE: LazyLock<Regex> = LazyLock::new(|| {
    // Outward code (A9, A99, AA9, AA99, A9A, AA9A) and inward code (9AA), with or without the
    // space; GIR 0AA is the one special case.
    Regex::new(r"(?i)\b(gir|[a-z]{1,2}\d[a-z\d]?)[ \t]*(\d[a-z]{2})\b")
        .expect("valid postcode pattern")
});

static DIGITS_RE: LazyLock<Regex> = LazyLock::new(|| {
    // A run of digits with the separators people put inside phone, card and reference
    // numbers; an optional leading "+" or "(" so "+44 (0)20 …" is one candidate.
    Regex::new(r"\+?\(?\d(?:[\d]|[ \-.]\(?\d|\)[ \-]?\d|\(\d)*").expect("valid digit-run pattern")
});

/// Removes personal data from `text`; see the module documentation for what is removed.
pub fn redact(text: &str) -> String {
    scrub(text, Mode::Label).into_owned()
}

/// Blanks out the personal data [`redact`] would remove (a full postcode whole, outward code
/// too) with spaces, byte for byte, so every other word keeps its offsets.
pub fn blank(text: &str) -> Cow<'_, str> {
    scrub(text, Mode::Blank)
}

/// What a recogniser's find becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A label saying what was there (`[email]`, `SW1A ***`), for what is stored.
    Label,
    /// Spaces of the same length, for what is matched.
    Blank,
}

impl Mode {
    fn put(self, label: &str, found: &str) -> String {
        match self {
            Mode::Label => label.to_string(),
            Mode::Blank => " ".repeat(found.len()),
        }
    }
}

/// Runs every recogniser over `text` in order, each over what the one before left.
fn scrub(text: &str, mode: Mode) -> Cow<'_, str> {
    let at_sign = text.contains('@');
    // `\d` is any Unicode decimal digit, and `char::is_numeric` more still.
    let digit = text.chars().any(char::is_numeric);
    if !at_sign && !digit {
        // Most questions: stored and analysed as typed without four scans.
        return Cow::Borrowed(text);
    }
    let mut text = Cow::Borrowed(text);
    if at_sign {
        text = Cow::Owned(
            EMAIL_RE
                .replace_all(&text, |c: &Captures| mode.put(EMAIL, &c[0]))
                .into_owned(),
        );
    }
    if digit {
        let found = NI_RE.replace_all(&text, |c: &Captures| mode.put(NI_NUMBER, &c[0]));
        let found = POSTCODE_RE.replace_all(&found, |c: &Captures| match mode {
            Mode::Label => format!("{} {INWARD_CODE}", c[1].to_uppercase()),
            Mode::Blank => mode.put("", &c[0]),
        });
        let found = DIGITS_RE.replace_all(&found, |c: &Captures| match digit_run(&c[0]) {
            Some(label) => mode.put(label, &c[0]),
            None => c[0].to_string(),
        });
        text = Cow::Owned(found.into_owned());
    }
    text
}

/// What a candidate digit run is, when it is personal: a phone number or a long number.
fn digit_run(run: &str) -> Option<&'static str> {
    let digits: String = run.chars().filter(char::is_ascii_digit).collect();
    let international = run.starts_with('+') || digits.starts_with("0044");
    let national = if let Some(rest) = digits.strip_prefix("0044") {
        rest.trim_start_matches('0')
    } else if run.starts_with('+') {
        match digits.strip_prefix("44") {
            Some(rest) => rest.trim_start_matches('0'),
            // Any other international number is still a phone number if it is long enough.
            None if digits.len() >= 8 => return Some(PHONE),
            None => return None,
        }
    } else {
        digits.strip_prefix('0').unwrap_or("")
    };
    // A UK number is 0 followed by 9 or 10 digits (01xxx, 02x, 03xx, 07xxx, 08xx…).
    let is_uk_phone = (international || digits.starts_with('0'))
        && (9..=10).contains(&national.len())
        && national.starts_with(['1', '2', '3', '5', '7', '8', '9']);
    if is_uk_phone {
        return Some(PHONE);
    }
    // "2003-2005" and "1 2 3" stay; a reference, card or account number does not.
    let longest_group = run
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    (longest_group >= 8 || digits.len() >= 9).then_some(NUMBER)
}

/// Cuts `text` to at most `max` characters, on a character boundary.
pub fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real-looking inputs and exactly what must be stored instead.
    const CASES: &[(&str, &str)] = &[
        // E-mail addresses.
        (
            "my email is jane.smith@example.co.uk thanks",
            "my email is [email] thanks",
        ),
        ("Contact J.O'Brien+council@mail.gov.uk?", "Contact [email]?"),
        (
            "email ME@GMAIL.COM about planning",
            "email [email] about planning",
        ),
        // UK phone numbers in the forms people write them.
        ("call me on 07700 900123", "call me on [phone]"),
        ("call me on 07700900123 please", "call me on [phone] please"),
        ("my number is 020 7946 0958", "my number is [phone]"),
        ("ring 0161-496-0000 after 5", "ring [phone] after 5"),
        ("phone +44 7700 900123", "phone [phone]"),
        ("phone +44 (0)20 7946 0958 today", "phone [phone] today"),
        ("tel (01632) 960 001", "tel [phone]"),
        ("0044 113 496 0000 is my office", "[phone] is my office"),
        ("is 0870 777 0011 the helpline", "is [phone] the helpline"),
        // Full postcodes keep their outward code; outward codes alone stay.
        (
            "I live at SW1A 1AA, can I pay online",
            "I live at SW1A ***, can I pay online",
        ),
        ("postcode m1 1ae", "postcode M1 ***"),
        ("bins in B338TH", "bins in B33 ***"),
        ("CR2 6XH and EC1A 1BB", "CR2 *** and EC1A ***"),
        ("services in the SW1A area", "services in the SW1A area"),
        // National Insurance numbers, spaced or not.
        ("my NI is QQ 12 34 56 C", "my NI is [ni number]"),
        ("ni number AB123456D", "ni number [ni number]"),
        ("nino: JG-10-37-48-A ok", "nino: [ni number] ok"),
        ("it is qq123456c", "it is [ni number]"),
        ("my sort code is 12-34-56", "my sort code is 12-34-56"),
        // Long digit runs: cards, accounts, references.
        (
            "card 4111 1111 1111 1111 was charged",
            "card [number] was charged",
        ),
        ("card 4111-1111-1111-1111", "card [number]"),
        ("council tax ref 123456789", "council tax ref [number]"),
        ("account 12345678", "account [number]"),
        ("reference 12-34-56 78901234", "reference [number]"),
        // Ordinary questions are left alone.
        (
            "What did the National Projects do between 2003 and 2005?",
            "What did the National Projects do between 2003 and 2005?",
        ),
        ("projects in 2003-2005", "projects in 2003-2005"),
        ("the 22 national projects", "the 22 national projects"),
        ("is e-gov version 2.1 out", "is e-gov version 2.1 out"),
        (
            "How do I apply for planning permission online?",
            "How do I apply for planning permission online?",
        ),
        (
            "Who led the e-Payments project?",
            "Who led the e-Payments project?",
        ),
        ("", ""),
    ];

    #[test]
    fn redacts_the_table_of_real_looking_cases() {
        let mut failures = Vec::new();
        for (input, expected) in CASES {
            let got = redact(input);
            if got != *expected {
                failures.push(format!("{input:?}\n   got  {got:?}\n   want {expected:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "redaction mismatches:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn only_text_without_an_at_sign_or_a_digit_skips_the_patterns() {
        let might_hold_personal_data = |t: &str| t.chars().any(|c| c == '@' || c.is_numeric());
        for (input, _) in CASES {
            if input != &redact(input) {
                assert!(might_hold_personal_data(input), "{input:?}");
            }
        }
        assert!(matches!(
            blank("Who led PARSOL, and where?"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn blanking_removes_what_redaction_does_and_keeps_every_offset() {
        for (input, _) in CASES {
            let blanked = blank(input);
            assert_eq!(blanked.len(), input.len(), "{input:?}");
            // Every character either stays where it was or became a space.
            for (kept, was) in blanked.chars().zip(input.chars()) {
                assert!(kept == was || kept == ' ', "{input:?} -> {blanked:?}");
            }
            assert_eq!(
                blanked == *input,
                redact(input) == *input,
                "{input:?}: blanked exactly when something is redacted"
            );
        }
    }

    #[test]
    fn blanking_table() {
        let cases = [
            (
                "this is sarah.jones@example.org from revenues",
                "this is                         from revenues",
            ),
            ("ring me on 01632 960555 pls", "ring me on              pls"),
            ("I live at SW1A 1AA, ok", "I live at         , ok"),
            ("my NI is QQ 12 34 56 C", "my NI is              "),
            ("projects in 2003-2005", "projects in 2003-2005"),
            ("Who led PARSOL?", "Who led PARSOL?"),
        ];
        for (input, expected) in cases {
            assert_eq!(blank(input), expected, "{input:?}");
        }
        assert!(matches!(blank("no digits here"), Cow::Borrowed(_)));
    }

    #[test]
    fn redaction_is_idempotent() {
        for (input, _) in CASES {
            let once = redact(input);
            assert_eq!(redact(&once), once, "{input:?}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in [
            "+",
            "(",
            "+(",
            "0",
            "@",
            "a@b",
            "+44",
            "((((1))))",
            "١٢٣٤٥٦٧٨٩",
            "\u{0}",
        ] {
            let _ = redact(input);
        }
    }

    #[test]
    fn truncates_on_character_boundaries() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hi", 5), "hi");
    }
}
