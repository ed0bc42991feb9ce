//! What a question asks, read from its words before any search: the way it is asked (its
//! opening question word, which FAQ titles share: "how many…", "why…"), the kind of answer it
//! wants (a definition, who led something, its partners, its products, an amount, a count, a
//! percentage, a date), and whether it refers back to something said before ("who led it?").
//!
//! Only a question word that opens a clause counts: "why doesn't it work when I log in" asks
//! why, not when, and "it stops when I log in" asks nothing of the kind. The kind of answer
//! then picks among an entry's passages (see `reader`): a passage under a project's "Aim"
//! defines it, one under "Who ran it" says who led it, one with a "£" states an amount.
//!
//! Why this file is over 500 lines: the question shapes and the stated-fact patterns are one
//! table each and read best together; about 140 lines are tests.

use signpost_indexer::passages::{
    AIM_SECTION, LATER_SECTION, OUTCOMES_SECTION, PRODUCTS_SECTION, SUMMARY_SECTION,
    WHO_RAN_IT_SECTION,
};

/// How a question opens: the question word that starts it, which an FAQ title asked the same
/// way shares ("How many cases are there?" answers "how many people are infected").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opening {
    What,
    Which,
    Who,
    When,
    Where,
    Why,
    How,
    HowMany,
    HowMuch,
    HowLong,
    /// "Can I…", "Could…", "Is it possible…".
    Can,
    /// "Should I…", "Must…".
    Should,
    /// "Is…", "Are…", "Does…", "Did…", "Will…": a yes-or-no question.
    YesNo,
}

/// The kind of answer a question wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Asks {
    /// What something is or was for: "what is PARSOL", "what does NePP stand for".
    Definition,
    /// Who led or ran it: "which council was behind…", "who was in charge of…".
    Lead,
    /// Who took part: "which councils partnered with…".
    Partners,
    /// What it produced: "what did the e-pay project produce".
    Products,
    /// A sum of money: "how much", "what did it cost".
    Amount,
    /// A number of things: "how many councils".
    Count,
    /// A share: "what percentage".
    Percent,
    /// A time: "when", "what year", "by what date".
    Date,
    /// A place: "where did they trial e-petitions?".
    Place,
    /// What became of it: "what happened next?", "what happened to it in the end?".
    Outcome,
}

/// What [`read`] finds in a question.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    pub opening: Option<Opening>,
    pub asks: Option<Asks>,
    /// It points back at something said before ("it", "they", "that project") or continues
    /// it ("and the partners?", "what about funding?").
    pub refers_back: bool,
    /// It points back with a word ("it", "they", "that project"), not only continues.
    pub points_back: bool,
    /// It only asks for more of what was just said ("tell me more", "go on", "what else?").
    pub asks_more: bool,
    /// Stemmed words that say what kind of answer is wanted rather than what it is about
    /// ("led", "partners", "produce", "cost"), and the pointers back: a question of only these
    /// names no subject of its own.
    pub cue_terms: Vec<String>,
    /// Stemmed words that only frame the question ("short" in "what is X short for") and are
    /// not searched.
    pub framing_terms: Vec<String>,
    /// Of `cue_terms`, those naming the kind of answer ("led", "partners", "produced"): a
    /// passage using one answers more directly than its neighbours in the same section.
    pub kind_terms: Vec<String>,
}

/// Words that may come before a question's opening word without being part of it.
const FILLERS: &[&str] = &[
    "and", "but", "so", "ok", "okay", "hi", "hello", "hey", "please", "pls", "plz", "sorry",
    "excuse", "then", "also", "right", "well", "now", "um", "erm", "oh", "yes", "no", "just",
    "quick", "question",
];

/// Words after which a question word opens an embedded question ("can you tell me when…").
const EMBEDDING: &[&str] = &[
    "tell",
    "know",
    "wondering",
    "wonder",
    "ask",
    "asking",
    "explain",
    "show",
    "me",
    "find",
    "out",
    "unsure",
    "sure",
];

/// Pointers back at what was said before.
const REFERRING: &[&str] = &[
    "it", "its", "they", "them", "their", "theirs", "that", "this", "those", "these", "he", "she",
    "him", "her", "his",
];

/// Verbs and nouns that ask who led something.
const LEAD_WORDS: &[&str] = &[
    "lead",
    "leads",
    "led",
    "leading",
    "leader",
    "run",
    "ran",
    "runs",
    "running",
    "head",
    "headed",
    "heads",
    "manage",
    "managed",
    "manager",
    "charge",
    "behind",
    "built",
    "build",
    "organised",
    "organized",
    "directed",
    "director",
    "owned",
    "owner",
    "owns",
    "responsible",
    "chair",
    "chaired",
    "chairman",
    "chairs",
    "coordinated",
    "hosted",
    "in-charge",
];

/// Does the question only ask for more of what was just said: "tell me more", "more please",
/// "go on", "anything else?", "what else did it do"? A word of its own ("tell me more about
/// parsol") makes it a question.
fn asks_more(words: &[String]) -> bool {
    const MORE: &[&str] = &[
        "more", "else", "continue", "carry", "keep", "going", "go", "on",
    ];
    const FILLER: &[&str] = &[
        "tell",
        "me",
        "us",
        "about",
        "it",
        "that",
        "this",
        "them",
        "they",
        "please",
        "can",
        "could",
        "you",
        "what",
        "anything",
        "is",
        "there",
        "and",
        "info",
        "information",
        "detail",
        "details",
        "say",
        "a",
        "bit",
        "little",
        "some",
        "give",
        "i",
        "want",
        "to",
        "know",
        "would",
        "like",
        "the",
        "project",
        "ok",
        "okay",
        "did",
        "do",
        "does",
        "was",
        "so",
    ];
    let asks = words
        .iter()
        .any(|w| matches!(w.as_str(), "more" | "else" | "continue"))
        || words.windows(2).any(|p| p[0] == "go" && p[1] == "on");
    asks && words
        .iter()
        .all(|w| MORE.contains(&w.as_str()) || FILLER.contains(&w.as_str()))
}

/// The nouns of "which council…", "what organisation…": in a question asking who led or
/// took part they say what kind of answer is wanted, not what it is about.
const WHO_NOUNS: &[&str] = &[
    "council",
    "councils",
    "authority",
    "authorities",
    "borough",
    "boroughs",
    "organisation",
    "organisations",
];

const PARTNER_WORDS: &[&str] = &[
    "partner",
    "partners",
    "partnered",
    "partnership",
    "involved",
    "participated",
    "participants",
    "consortium",
    "members",
    "joined",
    "part",
    "with",
];

const PRODUCT_WORDS: &[&str] = &[
    "produce",
    "produced",
    "produces",
    "product",
    "products",
    "output",
    "outputs",
    "deliver",
    "delivered",
    "deliverables",
    "make",
    "made",
    "create",
    "created",
    "develop",
    "developed",
    "come",
    "achieve",
    "achieved",
    "build",
    "built",
    "tools",
    "toolkit",
    "toolkits",
    "publish",
    "published",
    "publishes",
    "release",
    "released",
];

/// Verbs of intending before "to": "what was it trying to achieve" asks its purpose.
const INTENDING: &[&str] = &[
    "trying", "try", "meant", "supposed", "aiming", "aim", "intended",
];

/// Nouns that ask what something was for.
const PURPOSE: &[&str] = &[
    "purpose",
    "aim",
    "aims",
    "goal",
    "goals",
    "objective",
    "objectives",
];

const AMOUNT_WORDS: &[&str] = &[
    "cost", "costs", "costed", "price", "prices", "worth", "budget", "spend", "spent", "pounds",
    "millions", "million", "funding", "grant",
];

const PERCENT_WORDS: &[&str] = &["percentage", "percent", "proportion", "per"];

const DATE_WORDS: &[&str] = &[
    "year", "years", "date", "dates", "month", "months", "day", "deadline",
];

const DEFINING_VERBS: &[&str] = &["is", "are", "was", "were", "s"];

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The opening a question word gives, with the word after it (for "how many"), or `None`
/// when the word is not a question word.
fn opening_of(word: &str, next: Option<&str>) -> Option<Opening> {
    Some(match word {
        "what" | "whats" => Opening::What,
        "which" => Opening::Which,
        "who" | "whos" | "whom" | "whose" => Opening::Who,
        "when" | "whens" => Opening::When,
        "where" | "wheres" => Opening::Where,
        "why" | "whys" => Opening::Why,
        "how" | "hows" => match next {
            Some("many") => Opening::HowMany,
            Some("much") => Opening::HowMuch,
            Some("long") => Opening::HowLong,
            _ => Opening::How,
        },
        _ => return None,
    })
}

fn auxiliary_opening(word: &str) -> Option<Opening> {
    Some(match word {
        "can" | "could" | "may" | "cant" => Opening::Can,
        "should" | "shall" | "must" | "shouldnt" => Opening::Should,
        "is" | "are" | "was" | "were" | "do" | "does" | "did" | "has" | "have" | "will"
        | "would" | "isnt" | "arent" | "wasnt" | "dont" | "doesnt" | "didnt" | "had" | "am" => {
            Opening::YesNo
        }
        _ => return None,
    })
}

/// Where the question word that opens the question is, and what it is. A clause after a
/// comma or a dash opens afresh ("and the smart card one, who led it").
fn find_opening(words: &[String], clause_starts: &[usize]) -> Option<(usize, Opening)> {
    let next = |i: usize| words.get(i + 1).map(String::as_str);
    let mut leading = true;
    for (i, word) in words.iter().enumerate() {
        let w = word.as_str();
        leading |= clause_starts.contains(&i);
        if let Some(opening) = opening_of(w, next(i)) {
            let after_embedding = i > 0 && EMBEDDING.contains(&words[i - 1].as_str());
            // "nomad project - what was it for?": a question word before a verb opens a
            // clause of its own; "it stops when I log in" has none.
            let before_verb = next(i).is_some_and(|n| auxiliary_opening(n).is_some());
            if leading || after_embedding || before_verb {
                return Some((i, opening));
            }
        }
        if leading {
            if let Some(opening) = auxiliary_opening(w) {
                // "can you tell me when…", "do you know who…": the embedded word says more.
                let embedded = words[i + 1..]
                    .iter()
                    .take(5)
                    .position(|w| EMBEDDING.contains(&w.as_str()))
                    .and_then(|at| {
                        let j = i + 1 + at + 1;
                        let k = if words.get(j).map(String::as_str) == Some("me") {
                            j + 1
                        } else {
                            j
                        };
                        words
                            .get(k)
                            .and_then(|w| opening_of(w, words.get(k + 1).map(String::as_str)))
                            .map(|o| (k, o))
                    });
                return Some(embedded.unwrap_or((i, opening)));
            }
            if !FILLERS.contains(&w) {
                leading = false;
            }
        }
    }
    None
}

/// Words that join a subject to something more about it: "the symptoms *of* COVID-19",
/// "the treatment *for* it", "social distancing *and* how it helps".
const JOINING: &[&str] = &[
    "of", "for", "in", "on", "to", "with", "about", "from", "by", "and", "or", "if", "when",
    "during", "after", "before", "than", "that", "which", "who", "how", "why", "where", "can",
    "do", "does", "should", "will",
];

/// Whether a question (folded words) asks only what one thing is: "What is a coronavirus?",
/// "What are the National Projects?", not "What are the symptoms of COVID-19?" (what they
/// are *of* something) nor "What is the treatment for it?".
pub fn asks_only_what_is(words: &[String]) -> bool {
    let mut subject = match words.first().map(String::as_str) {
        Some("whats") => &words[1..],
        Some("what")
            if words
                .get(1)
                .is_some_and(|v| DEFINING_VERBS.contains(&v.as_str())) =>
        {
            &words[2..]
        }
        _ => return false,
    };
    if let Some(("a" | "an" | "the", rest)) = subject.split_first().map(|(w, r)| (w.as_str(), r)) {
        subject = rest;
    }
    !subject.is_empty() && !subject.iter().any(|w| JOINING.contains(&w.as_str()))
}

/// Reads a question's folded words (stop words included, in order), with the indexes of the
/// words that open a clause after the first (see [`crate::question::clause_starts`]).
pub fn read(words: &[String], clause_starts: &[usize]) -> Shape {
    let has = |w: &str| words.iter().any(|x| x == w);
    let any = |list: &[&str]| words.iter().any(|x| list.contains(&x.as_str()));
    let follows = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    let found = find_opening(words, clause_starts);
    let opening = found.map(|(_, o)| o);
    let mut cues: Vec<&str> = Vec::new();
    let mut framing: Vec<&str> = Vec::new();
    // Of the cues, the words that name the kind of answer ("led", "partners", "produced").
    let mut kind: Vec<&str> = Vec::new();

    // "what happened (next)?" asks what became of something: the words name no subject.
    let happened = follows("what", "happened") || follows("what", "happens");
    if happened {
        cues.extend(
            ["happened", "happens", "next", "then", "later"]
                .into_iter()
                .filter(|w| has(w)),
        );
    }
    let money = any(&["pounds", "millions", "million", "billion", "£"]);
    let asks_who = matches!(opening, Some(Opening::Who))
        || follows("which", "council")
        || follows("which", "councils")
        || follows("which", "authority")
        || follows("what", "council")
        || follows("which", "borough")
        || follows("which", "organisation");
    // "which council…", "what organisation…": the noun frames the question.
    let asks_which = |noun: &str| follows("which", noun) || follows("what", noun);
    let lead_asked = (asks_who && any(LEAD_WORDS))
        || follows("lead", "council")
        || follows("lead", "authority")
        || follows("in", "charge");
    let partners_asked = any(&[
        "partner",
        "partners",
        "partnered",
        "partnership",
        "consortium",
    ]) || (asks_who
        && (follows("took", "part") || follows("take", "part") || has("involved")))
        || (follows("worked", "with") && asks_who);
    // "what was NePP trying to achieve", "what was it meant to do": its purpose, not its
    // products.
    let purpose = matches!(opening, Some(Opening::What))
        && (INTENDING.iter().any(|w| follows(w, "to")) || follows("set", "out") || any(PURPOSE));
    if purpose {
        // "trying to fix" is not about a passage where it "tried out" something.
        cues.extend(INTENDING.iter().copied().filter(|w| follows(w, "to")));
    }
    // "which national project did online admissions": the noun asks which project, and the
    // rest says what it did rather than asking for its products.
    let which_project = found.is_some_and(|(i, o)| {
        matches!(o, Opening::What | Opening::Which)
            && words[i + 1..]
                .iter()
                .take(2)
                .any(|w| w == "project" || w == "projects")
    });
    let defining = {
        let what_is = found.is_some_and(|(i, o)| {
            matches!(o, Opening::What)
                && words[i + 1..]
                    .iter()
                    .take(2)
                    .any(|w| DEFINING_VERBS.contains(&w.as_str()))
        }) || matches!(words.first().map(String::as_str), Some("whats"));
        let about = follows("tell", "me") && has("about");
        let stands_for = follows("stand", "for") || follows("stands", "for");
        let short_for = follows("short", "for");
        // The last word of the clause the question word opens: "what did it do?? ring me
        // on …" ends its question at "do".
        let clause_last = found.and_then(|(i, _)| {
            let end = clause_starts
                .iter()
                .copied()
                .find(|s| *s > i)
                .unwrap_or(words.len());
            words.get(end.checked_sub(1)?)
        });
        let did_do = found.is_some_and(|(i, o)| {
            matches!(o, Opening::What) && words.get(i + 1).is_some_and(|w| w == "did")
        }) && clause_last.is_some_and(|w| w == "do");
        let what_for = found.is_some_and(|(_, o)| matches!(o, Opening::What))
            && clause_last.is_some_and(|w| w == "for" || w == "about");
        if short_for {
            framing.push("short");
        }
        // "name the boroughs that…", "list the councils…": asked, not a word to find.
        if let Some(w @ ("name" | "list")) = words.first().map(String::as_str) {
            framing.push(w);
        }
        what_is
            || purpose
            || about
            || stands_for
            || short_for
            || did_do
            || what_for
            || has("explain")
            || has("describe")
            || has("overview")
    };
    let asks = if opening == Some(Opening::HowMuch)
        || (opening == Some(Opening::HowMany) && money)
        || any(&["cost", "costs", "costed", "price", "worth", "budget"])
        || (matches!(opening, Some(Opening::What))
            && any(&["grant", "funding", "spend", "spent"])
            && words.last().is_some_and(|w| w != "for"))
    {
        cues.extend(
            words
                .iter()
                .map(String::as_str)
                .filter(|w| AMOUNT_WORDS.contains(w)),
        );
        Some(Asks::Amount)
    } else if any(&["percentage", "percent", "proportion"]) || follows("per", "cent") {
        cues.extend(PERCENT_WORDS.iter().copied().filter(|w| has(w)));
        Some(Asks::Percent)
    } else if opening == Some(Opening::HowMany)
        || (follows("number", "of") && matches!(opening, Some(Opening::What | Opening::How)))
    {
        Some(Asks::Count)
    } else if opening == Some(Opening::When)
        || (matches!(opening, Some(Opening::What | Opening::Which)) && any(DATE_WORDS))
        || follows("since", "when")
    {
        cues.extend(DATE_WORDS.iter().copied().filter(|w| has(w)));
        Some(Asks::Date)
    } else if lead_asked {
        kind.extend(LEAD_WORDS.iter().copied().filter(|w| has(w)));
        cues.extend(kind.iter().copied());
        cues.extend(WHO_NOUNS.iter().copied().filter(|w| asks_which(w)));
        Some(Asks::Lead)
    } else if partners_asked {
        kind.extend(PARTNER_WORDS.iter().copied().filter(|w| has(w)));
        cues.extend(kind.iter().copied());
        // "name the boroughs that partnered on it": the kind of partner, not a word to find.
        cues.extend(WHO_NOUNS.iter().copied().filter(|w| has(w)));
        cues.extend(["took", "take"].into_iter().filter(|w| follows(w, "part")));
        Some(Asks::Partners)
    } else if matches!(opening, Some(Opening::What | Opening::Which))
        && any(PRODUCT_WORDS)
        && !purpose
        && !which_project
    {
        kind.extend(PRODUCT_WORDS.iter().copied().filter(|w| has(w)));
        cues.extend(kind.iter().copied());
        Some(Asks::Products)
    } else if found.is_some_and(|(i, o)| {
        // "where did they trial it?" asks for a place; "where can I find…" for a resource.
        o == Opening::Where
            && words.get(i + 1).is_some_and(|w| {
                matches!(
                    w.as_str(),
                    "did" | "was" | "were" | "is" | "are" | "has" | "have" | "had"
                )
            })
    }) || (opening == Some(Opening::YesNo)
        && ["council", "councils", "authority", "authorities"]
            .iter()
            .any(|w| follows("any", w)))
    {
        // "is any council using it?" asks where it was taken up.
        Some(Asks::Place)
    } else if defining {
        Some(Asks::Definition)
    } else if happened {
        Some(Asks::Outcome)
    } else {
        None
    };
    // "the project" points back when nothing names it further ("what did the project
    // produce?"), not in "the project teams".
    let the_project = words.windows(2).enumerate().any(|(i, p)| {
        p[0] == "the"
            && (p[1] == "project" || p[1] == "scheme")
            && words.get(i + 2).is_none_or(|next| {
                signpost_indexer::analysis::is_stop_word(next)
                    || PRODUCT_WORDS.contains(&next.as_str())
                    || LEAD_WORDS.contains(&next.as_str())
            })
    });
    // "and the youth offending one - who backed that?": "that" is the one it names.
    let names_one = words.windows(3).chain(words.windows(4)).any(|w| {
        w[0] == "the"
            && w[w.len() - 1] == "one"
            && w[1..w.len() - 1].iter().all(|x| {
                !signpost_indexer::analysis::is_stop_word(x)
                    && !matches!(x.as_str(), "first" | "last" | "other" | "same" | "previous")
            })
    });
    let points_back = (any(REFERRING) || the_project) && !names_one;
    let continues = matches!(words.first().map(String::as_str), Some("and"))
        || follows("what", "about")
        || follows("how", "about");
    if points_back || continues {
        cues.extend(REFERRING.iter().copied().filter(|w| has(w)));
        cues.extend(["project", "scheme", "about", "and"].iter().copied());
        // "who led that one": the pointer, not a word to find in a passage ("one of the…").
        if follows("that", "one") || follows("this", "one") {
            cues.push("one");
        }
    }
    let stem_all = |list: Vec<&str>| {
        let mut stems: Vec<String> = list
            .into_iter()
            .map(signpost_indexer::analysis::stem)
            .collect();
        stems.sort_unstable();
        stems.dedup();
        stems
    };
    Shape {
        opening,
        asks,
        refers_back: points_back || continues,
        points_back,
        asks_more: asks_more(words),
        cue_terms: stem_all(cues),
        framing_terms: stem_all(framing),
        kind_terms: stem_all(kind),
    }
}

/// How well a passage under `section` (a derived passage's section included) answers `asks`,
/// from 0 to 1: the headings of the project template say what their passages answer. The
/// passage that opens a project's Aim defines the project best.
pub fn section_fit(asks: Asks, section: Option<&str>, opens_section: bool) -> f32 {
    match (asks, section) {
        (Asks::Definition, Some(AIM_SECTION)) if opens_section => 1.0,
        (Asks::Definition, Some(SUMMARY_SECTION)) => 0.9,
        (Asks::Definition, Some(AIM_SECTION)) => 0.7,
        (Asks::Place, Some(OUTCOMES_SECTION)) => 1.0,
        (Asks::Place, Some(WHO_RAN_IT_SECTION)) => 0.5,
        (Asks::Lead, Some(WHO_RAN_IT_SECTION)) => 1.0,
        (Asks::Partners, Some(WHO_RAN_IT_SECTION)) => 1.0,
        (Asks::Partners, Some(OUTCOMES_SECTION)) => 0.5,
        (Asks::Products, Some(PRODUCTS_SECTION)) => 1.0,
        (Asks::Outcome, Some(LATER_SECTION)) => 1.0,
        (Asks::Outcome, Some(OUTCOMES_SECTION)) => 0.5,
        _ => 0.0,
    }
}

/// Does `text` state a fact of the kind asked for? Only the kinds a fact in the text can
/// show: an amount, a count, a percentage or a date.
pub fn stated_in(asks: Asks, text: &str) -> bool {
    match asks {
        Asks::Amount => {
            text.contains(['£', '$', '€'])
                || text.contains("million")
                || text.contains("billion")
                || text.contains("pounds")
        }
        Asks::Count => has_number(text),
        Asks::Percent => {
            text.contains('%') || text.contains("per cent") || text.contains("percent")
        }
        Asks::Date => {
            let lower = text.to_lowercase();
            MONTHS.iter().any(|m| lower.contains(m)) || has_year(text)
        }
        Asks::Definition
        | Asks::Lead
        | Asks::Partners
        | Asks::Products
        | Asks::Place
        | Asks::Outcome => false,
    }
}

/// The kinds of fact a text states, as a set of [`fact_bit`]s: worked out once per passage
/// rather than per question.
pub fn facts_stated(text: &str) -> u8 {
    [Asks::Amount, Asks::Count, Asks::Percent, Asks::Date]
        .into_iter()
        .filter(|asks| stated_in(*asks, text))
        .fold(0, |set, asks| set | fact_bit(asks))
}

/// The bit of a kind of fact in [`facts_stated`]'s set; 0 for kinds no text states.
pub fn fact_bit(asks: Asks) -> u8 {
    match asks {
        Asks::Amount => 1,
        Asks::Count => 2,
        Asks::Percent => 4,
        Asks::Date => 8,
        Asks::Definition
        | Asks::Lead
        | Asks::Partners
        | Asks::Products
        | Asks::Place
        | Asks::Outcome => 0,
    }
}

/// Is the kind of answer one a fact in the text can show (see [`stated_in`])?
pub fn is_factual(asks: Asks) -> bool {
    matches!(
        asks,
        Asks::Amount | Asks::Count | Asks::Percent | Asks::Date
    )
}

/// Is a number between `before` and `after` a day of the month: "20 July", "July 20"?
fn beside_a_month(before: &str, after: &str) -> bool {
    let is_month =
        |word: Option<&str>| word.is_some_and(|w| MONTHS.iter().any(|m| w.eq_ignore_ascii_case(m)));
    let next = after
        .strip_prefix(' ')
        .and_then(|rest| rest.split(|c: char| !c.is_alphabetic()).next());
    let previous = before
        .strip_suffix(' ')
        .and_then(|rest| rest.rsplit(|c: char| !c.is_alphabetic()).next());
    is_month(next) || is_month(previous)
}

/// A number standing on its own: digits not joined to letters by a hyphen ("COVID-19" names
/// a thing; "19 councils" counts them), or a number word.
fn has_number(text: &str) -> bool {
    const NUMBER_WORDS: &[&str] = &[
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "dozen",
    ];
    let bytes = text.as_bytes();
    let mut i = 0;
    // Groups apart by one space are one number: "0870 777 0011".
    let grouped = |i: usize| bytes[i] == b' ' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b',' || grouped(i)) {
                i += 1;
            }
            let joined_before = start > 0
                && (matches!(bytes[start - 1], b'-' | b'_')
                    || bytes[start - 1].is_ascii_alphabetic());
            let joined_after = i < bytes.len() && bytes[i].is_ascii_alphabetic();
            // "In 2003" and "20 July 2005" date something; they count nothing.
            let digits = &bytes[start..i];
            let year =
                digits.len() == 4 && (digits.starts_with(b"19") || digits.starts_with(b"20"));
            let day = digits.len() <= 2 && beside_a_month(&text[..start], &text[i..]);
            // "0870 777 0011" is a phone number: a count never starts with a nought.
            let phone = digits.len() >= 3 && digits[0] == b'0';
            if !joined_before && !joined_after && !year && !day && !phone {
                return true;
            }
        } else {
            i += 1;
        }
    }
    text.split(|c: char| !c.is_alphabetic())
        .any(|w| NUMBER_WORDS.contains(&w.to_lowercase().as_str()))
}

fn has_year(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(4).enumerate().any(|(i, w)| {
        let digits = w.iter().all(u8::is_ascii_digit);
        let bounded = (i == 0 || !bytes[i - 1].is_ascii_digit())
            && bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
        digits && bounded && (w.starts_with(b"19") || w.starts_with(b"20"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::question::words_of as words;

    fn shape(q: &str) -> Shape {
        crate::question::shape_of(q)
    }

    #[test]
    fn a_title_asking_only_what_one_thing_is_is_told_from_one_asking_more() {
        for only in [
            "What is a coronavirus?",
            "What are the National Projects?",
            "What is novel (new) coronavirus?",
            "what's markdown",
        ] {
            assert!(asks_only_what_is(&words(only)), "{only}");
        }
        for more in [
            "What are the symptoms of COVID-19?",
            "What is the treatment for COVID-19?",
            "What is social distancing and how does it help?",
            "Where did COVID-19 come from?",
            "What is",
            "What did PARSOL do?",
        ] {
            assert!(!asks_only_what_is(&words(more)), "{more}");
        }
    }

    #[test]
    fn reads_what_kind_of_answer_is_wanted() {
        use Asks::*;
        let cases: &[(&str, Option<Asks>)] = &[
            ("what is PARSOL", Some(Definition)),
            ("what's FAME short for", Some(Definition)),
            ("what was eAdmissions about", Some(Definition)),
            ("nomad project - what was it for?", Some(Definition)),
            ("what does NePP stand for", Some(Definition)),
            ("tell me about the smartcard project", Some(Definition)),
            (
                "what did the e-procurement national project do",
                Some(Definition),
            ),
            ("who was in charge of the national CRM project", Some(Lead)),
            ("which council was behind working with business", Some(Lead)),
            ("what council led enterprise workflow", Some(Lead)),
            ("lead council for LAWs", Some(Lead)),
            ("who ran it?", Some(Lead)),
            ("who built it?", Some(Lead)),
            (
                "which councils partnered with kirklees on digital tv",
                Some(Partners),
            ),
            ("what did the e-pay project produce", Some(Products)),
            (
                "how much was the knowledge management project worth",
                Some(Amount),
            ),
            ("what did it cost a council to join DigiTV", Some(Amount)),
            (
                "how many millions went into the 22 national projects",
                Some(Amount),
            ),
            ("how many councils take part", Some(Count)),
            ("when's the second round of workshops", Some(Date)),
            ("what year did it end", Some(Date)),
            (
                "what percentage of adults would use council services online",
                Some(Percent),
            ),
            ("why doesn't it work when I log in", None),
            ("it stops working when I log in", None),
            ("is there a helpline", None),
            ("and the smart card project, who led that one", Some(Lead)),
            ("what was NePP trying to achieve", Some(Definition)),
            ("what were the aims of the e-pay project", Some(Definition)),
            ("what was the e-democracy project's grant", Some(Amount)),
            ("what was the funding for", Some(Definition)),
            (
                "name the boroughs that partnered on the customer relationship management project",
                Some(Partners),
            ),
            (
                "hi, what did the crm academy do?? ring me on 01632 960123",
                Some(Definition),
            ),
            (
                "which national project did online school admissions? my LEA wants the toolkit",
                None,
            ),
            (
                "ok and the digital tv one - how many councils signed up",
                Some(Count),
            ),
            ("the council who led it", None),
            ("where did they trial e-petitions?", Some(Place)),
            ("where can I find the standards", None),
            (
                "is any council actually taking planning applications using parsol",
                Some(Place),
            ),
            ("did any national project do benefit claims", None),
        ];
        for (q, asks) in cases {
            assert_eq!(shape(q).asks, *asks, "{q}");
        }
    }

    #[test]
    fn a_question_naming_the_one_it_means_does_not_point_back() {
        assert!(!shape("and the youth offending one - who backed that nationally?").points_back);
        assert!(shape("who led that one").points_back);
        assert!(shape("and the other one, who led that?").points_back);
    }

    #[test]
    fn only_a_question_word_that_opens_a_clause_counts() {
        let cases: &[(&str, Option<Opening>)] = &[
            ("why doesn't it work when I log in", Some(Opening::Why)),
            ("it doesn't work when I log in", None),
            ("how many cases are there", Some(Opening::HowMany)),
            ("How long should I isolate for", Some(Opening::HowLong)),
            (
                "can you tell me when the workshops are",
                Some(Opening::When),
            ),
            ("do you know who led it", Some(Opening::Who)),
            ("can I pay online", Some(Opening::Can)),
            ("hi, where is the expo", Some(Opening::Where)),
            ("Should I wear a mask?", Some(Opening::Should)),
            ("symptoms of coronavirus", None),
        ];
        for (q, opening) in cases {
            assert_eq!(shape(q).opening, *opening, "{q}");
        }
    }

    #[test]
    fn pointers_back_are_found_and_named_subjects_are_not_cues() {
        assert!(shape("who led it?").refers_back);
        assert!(shape("and the partners?").refers_back);
        assert!(shape("what about funding").refers_back);
        assert!(shape("what did that project produce").refers_back);
        assert!(!shape("who led PARSOL").refers_back);
        assert!(shape("what did the project produce").refers_back);
        assert!(shape("who ran the project?").refers_back);
        assert!(!shape("are there any events where I could meet the project teams").refers_back);
        let cues = shape("who led it").cue_terms;
        assert!(cues.contains(&"lead".to_string()), "{cues:?}");
        assert_eq!(shape("what's FAME short for").framing_terms, ["short"]);
    }

    #[test]
    fn the_words_that_frame_a_who_question_are_cues_not_its_subject() {
        let cues = shape("which councils were involved").cue_terms;
        assert!(cues.contains(&"council".to_string()), "{cues:?}");
        for q in [
            "tell me more",
            "go on",
            "anything else?",
            "what else did it do",
            "more please",
        ] {
            assert!(shape(q).asks_more, "{q}");
        }
        for q in [
            "tell me more about parsol",
            "what else did parsol produce",
            "who led it",
        ] {
            assert!(!shape(q).asks_more, "{q}");
        }
        let cues = shape("who led that one").cue_terms;
        assert!(cues.contains(&"one".to_string()), "{cues:?}");
        let cues = shape("what happened next").cue_terms;
        assert!(cues.contains(&"happen".to_string()), "{cues:?}");
        let cues = shape("who took part").cue_terms;
        assert!(cues.contains(&"take".to_string()), "{cues:?}");
        // Councils served, not the council asked for.
        let cues = shape("who runs the digital tv service for councils now").cue_terms;
        assert!(!cues.contains(&"council".to_string()), "{cues:?}");
    }

    #[test]
    fn sections_answer_what_their_headings_say() {
        assert_eq!(section_fit(Asks::Definition, Some("Aim"), true), 1.0);
        assert!(section_fit(Asks::Definition, Some("Aim"), false) < 1.0);
        assert_eq!(section_fit(Asks::Lead, Some("Who ran it"), false), 1.0);
        assert_eq!(section_fit(Asks::Products, Some("Aim"), true), 0.0);
        assert_eq!(section_fit(Asks::Amount, Some("Who ran it"), true), 0.0);
        assert_eq!(
            section_fit(Asks::Place, Some("Councils and outcomes"), false),
            1.0
        );
    }

    #[test]
    fn recognises_facts_in_text() {
        assert!(stated_in(Asks::Amount, "funded with £80m"));
        assert!(!stated_in(Asks::Amount, "funded by the ODPM"));
        assert!(stated_in(Asks::Date, "in February and March"));
        assert!(stated_in(Asks::Date, "by 2005."));
        assert!(!stated_in(Asks::Date, "tel: 0870 777 0011"));
        assert!(stated_in(Asks::Count, "22 National Projects"));
        assert!(stated_in(Asks::Count, "twelve clusters"));
        assert!(stated_in(Asks::Count, "more than 1,800 delegates"));
        assert!(!stated_in(Asks::Count, "led from 2003 by Bracknell Forest"));
        assert!(!stated_in(Asks::Count, "became its owner on 20 July 2005"));
        assert!(!stated_in(
            Asks::Count,
            "ring the phone line on 0870 777 0011"
        ));
        assert!(!stated_in(Asks::Count, "from March 31 onwards"));
        assert!(stated_in(Asks::Count, "in March 2004, 40 councils joined"));
        assert!(!stated_in(
            Asks::Count,
            "What are the symptoms of COVID-19?"
        ));
        assert!(stated_in(Asks::Percent, "46% of adults"));
        let facts = facts_stated("By 2005, 46% of councils had spent £80m");
        for asks in [Asks::Amount, Asks::Count, Asks::Percent, Asks::Date] {
            assert_ne!(facts & fact_bit(asks), 0, "{asks:?}");
        }
        assert_eq!(
            facts_stated("funded by the ODPM") & fact_bit(Asks::Amount),
            0
        );
    }
}
