//! A synthetic corpus for benchmarks: FAQ-like entries and project-like documents in the real
//! corpus format, with exactly the number of passages asked for, plus a matching file of
//! questions in the evaluation format. Everything is derived from the words of a source corpus
//! (the shipped one) and a seeded PRNG, so the same source, size and seed always give the same
//! files, and no outside data is needed.
//!
//! What makes it plausible rather than uniform: words are drawn from a Zipf distribution over
//! a vocabulary ranked by the source corpus's own frequencies (so stop words and domain words
//! come at their real rates), extended by a long tail of made-up words whose size grows with
//! the corpus as real vocabularies do (Heaps' law); passage, title and list lengths follow the
//! shipped corpus's; projects have names, acronyms, aliases, keywords, alternates and the usual
//! sections. The corpus format caps FAQ ids at two digits, so a large corpus is mostly
//! projects, as a national deployment's directory would be.
//!
//! Why this file is over 500 lines: the generator writes every field of both entry kinds and
//! the questions over them in one pass, so the shapes stay consistent; about 125 lines are
//! tests. It is compiled only with the `generate` feature, which the server does not enable.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashSet;
use unicode_segmentation::UnicodeSegmentation;

use crate::analysis;
use crate::corpus::{self, Corpus, Kind};
use crate::Error;

/// The questions file written next to the generated corpus folder.
pub const QUESTIONS_FILE: &str = "questions.jsonl";
/// The corpus folder inside the output directory.
pub const CORPUS_DIR: &str = "corpus";

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Exactly this many passages (at least 1).
    pub passages: usize,
    pub seed: u64,
    /// How many questions to write.
    pub questions: usize,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub corpus_dir: PathBuf,
    pub questions_file: PathBuf,
    pub faq_entries: usize,
    pub projects: usize,
    pub passages: usize,
    pub questions: usize,
    pub vocabulary: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wrote {} FAQ entries and {} projects ({} passages, {} distinct words) to {}, and {} questions to {}",
            self.faq_entries,
            self.projects,
            self.passages,
            self.vocabulary,
            self.corpus_dir.display(),
            self.questions,
            self.questions_file.display()
        )
    }
}

/// A small, fast, seedable PRNG (SplitMix64): the same seed gives the same corpus everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A ranked vocabulary and a Zipf sampler over it.
struct Words {
    /// Surface forms, most frequent first.
    words: Vec<String>,
    /// Cumulative Zipf weights, for sampling by binary search.
    cumulative: Vec<f64>,
    /// Indexes of content words (not stop words, at least four letters, no digits).
    content: Vec<usize>,
    content_cumulative: Vec<f64>,
}

/// The Zipf exponent: about 1 for English text.
const ZIPF_S: f64 = 1.0;

impl Words {
    fn new(words: Vec<String>) -> Words {
        let stop: Vec<bool> = words
            .iter()
            .map(|w| analysis::is_stop_word(&analysis::fold(w)))
            .collect();
        let weight = |rank: usize| 1.0 / ((rank + 1) as f64).powf(ZIPF_S);
        let mut cumulative = Vec::with_capacity(words.len());
        let mut total = 0.0;
        for rank in 0..words.len() {
            total += weight(rank);
            cumulative.push(total);
        }
        let content: Vec<usize> = (0..words.len())
            .filter(|&i| {
                !stop[i]
                    && words[i].chars().count() >= 4
                    && words[i].chars().all(char::is_alphabetic)
            })
            .collect();
        let mut content_cumulative = Vec::with_capacity(content.len());
        let mut total = 0.0;
        for (rank, _) in content.iter().enumerate() {
            total += weight(rank);
            content_cumulative.push(total);
        }
        Words {
            words,
            cumulative,
            content,
            content_cumulative,
        }
    }

    fn sample(cumulative: &[f64], rng: &mut Rng) -> usize {
        let total = *cumulative.last().expect("a non-empty vocabulary");
        let x = rng.unit() * total;
        cumulative
            .partition_point(|&c| c <= x)
            .min(cumulative.len() - 1)
    }

    /// Any word, at its Zipf rate.
    fn any(&self, rng: &mut Rng) -> &str {
        &self.words[Self::sample(&self.cumulative, rng)]
    }

    /// A content word, at its Zipf rate among content words.
    fn content(&self, rng: &mut Rng) -> &str {
        &self.words[self.content[Self::sample(&self.content_cumulative, rng)]]
    }

    /// A content word from the less common part of the ranking: what makes a name distinctive.
    fn rare_content(&self, rng: &mut Rng) -> &str {
        let from = (self.content.len() / 20).min(self.content.len() - 1);
        let i = rng.between(from, self.content.len() - 1);
        &self.words[self.content[i]]
    }
}

/// Counts the surface words of every text in the source corpus.
fn source_words(source: &Corpus) -> Vec<(String, u32)> {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    let mut add = |text: &str| {
        for word in text.unicode_words() {
            // Keep proper nouns and acronyms as written; lower-case a capitalised common word.
            let lower = word.to_lowercase();
            let form = if word.chars().skip(1).any(char::is_uppercase) {
                word.to_string()
            } else {
                lower
            };
            *counts.entry(form).or_insert(0) += 1;
        }
    };
    for entry in &source.entries {
        add(&entry.title);
        for text in entry.alternates.iter() {
            add(text);
        }
        for passage in &entry.passages {
            add(&passage.text);
        }
        if let Some(p) = &entry.project {
            add(&p.summary);
            for k in &p.keywords {
                add(k);
            }
        }
    }
    let mut ranked: Vec<(String, u32)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
}

/// Made-up words for the vocabulary's long tail, spliced from the starts and ends of real
/// words ("plan" + "ership"), so they look and stem like English.
fn tail_words(real: &[String], count: usize, rng: &mut Rng) -> Vec<String> {
    let long: Vec<&str> = real
        .iter()
        .map(String::as_str)
        .filter(|w| w.len() >= 5 && w.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    if long.is_empty() {
        return Vec::new();
    }
    let mut seen: FxHashSet<String> = real.iter().cloned().collect();
    let mut out = Vec::with_capacity(count);
    let mut attempts = 0;
    while out.len() < count && attempts < count * 20 {
        attempts += 1;
        let a = rng.pick(&long);
        let b = rng.pick(&long);
        let head = &a[..rng.between(2, a.len().min(5))];
        let tail = &b[b.len() - rng.between(2, b.len().min(6) - 1)..];
        let mut word = format!("{head}{tail}");
        if rng.chance(0.15) {
            // Some longer compounds, as technical vocabularies have.
            let c = rng.pick(&long);
            word.push_str(&c[c.len() - rng.between(2, 4)..]);
        }
        if seen.insert(word.clone()) {
            out.push(word);
        }
    }
    out
}

/// Heaps' law: a corpus of `tokens` words has about K·tokens^β distinct words.
fn vocabulary_size(tokens: usize) -> usize {
    (30.0 * (tokens as f64).powf(0.52)) as usize
}

/// Words per passage, as in the shipped corpus (FAQ paragraphs run longer than bullets).
const MEAN_WORDS_FAQ: usize = 37;
const MEAN_WORDS_PROJECT: usize = 26;
/// Kept below the splitter's limit so every generated paragraph is exactly one passage.
const MAX_WORDS: usize = crate::passages::MAX_PASSAGE_WORDS - 10;

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A length around `mean`: the sum of three uniforms, so lengths bunch in the middle with a
/// tail both ways, clamped to `lo..=hi`.
fn length(rng: &mut Rng, mean: usize, lo: usize, hi: usize) -> usize {
    let spread = mean as f64 * 2.0 / 3.0;
    let x = (0..3).map(|_| rng.unit()).sum::<f64>() / 3.0; // mean 0.5
    let n = (mean as f64 + (x - 0.5) * 2.0 * spread * 1.5).round() as isize;
    (n.max(lo as isize) as usize).min(hi)
}

struct Writer<'a> {
    words: &'a Words,
    rng: Rng,
}

impl Writer<'_> {
    /// One sentence of `n` words, capitalised, ending in a full stop.
    fn sentence(&mut self, n: usize, out: &mut String) {
        for i in 0..n {
            let word = self.words.any(&mut self.rng);
            if i == 0 {
                out.push_str(&capitalise(word));
            } else {
                out.push(' ');
                out.push_str(word);
                if i + 1 < n && self.rng.chance(0.06) {
                    out.push(',');
                }
            }
        }
        out.push('.');
    }

    /// A passage of about `mean` words in sentences of 6–24 words.
    fn passage(&mut self, mean: usize) -> String {
        let total = length(&mut self.rng, mean, 4, MAX_WORDS);
        let mut out = String::with_capacity(total * 8);
        let mut left = total;
        while left > 0 {
            let n = if left <= 24 {
                left
            } else {
                self.rng.between(6, 24).min(left)
            };
            if !out.is_empty() {
                out.push(' ');
            }
            self.sentence(n, &mut out);
            left -= n;
        }
        out
    }

    /// A question: an opening such as "How can I" and a few content words.
    fn question(&mut self) -> String {
        const OPENINGS: &[&str] = &[
            "What is",
            "What are",
            "How can I",
            "How do councils",
            "Who runs",
            "Where can I find",
            "When did",
            "Why does",
            "Can I",
            "Is there",
            "Which councils use",
            "What happened to",
        ];
        let mut q = self.rng.pick(OPENINGS).to_string();
        for _ in 0..self.rng.between(2, 6) {
            q.push(' ');
            q.push_str(self.words.any_content_or_common(&mut self.rng));
        }
        q.push('?');
        q
    }

    /// Between `lo` and `hi` content words.
    fn content_words(&mut self, lo: usize, hi: usize) -> Vec<String> {
        let n = self.rng.between(lo, hi);
        (0..n)
            .map(|_| self.words.content(&mut self.rng).to_string())
            .collect()
    }
}

impl Words {
    /// Questions mix content words with the odd common word ("the planning of schools").
    fn any_content_or_common<'a>(&'a self, rng: &mut Rng) -> &'a str {
        if rng.chance(0.8) {
            self.content(rng)
        } else {
            self.any(rng)
        }
    }
}

/// A generated entry, kept in memory only as long as the questions need it.
struct Sketch {
    kind: Kind,
    id: String,
    /// The text a question's `expect` names: FAQ title or project slug.
    title: String,
    alternates: Vec<String>,
    /// One passage's words, for keyword questions.
    sample_passage: String,
}

/// Writes a synthetic corpus and questions into `out` (`out/corpus/`, `out/questions.jsonl`),
/// replacing what was there. `source` supplies the vocabulary and the synonyms file text.
pub fn generate(
    source: &Corpus,
    synonyms_text: &str,
    options: &Options,
    out: &Path,
) -> Result<Summary, Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let passages = options.passages.max(1);
    let mut rng = Rng::new(options.seed);
    let ranked = source_words(source);
    let real: Vec<String> = ranked.into_iter().map(|(w, _)| w).collect();
    let tokens = passages * MEAN_WORDS_PROJECT;
    let tail = tail_words(
        &real,
        vocabulary_size(tokens).saturating_sub(real.len()),
        &mut rng,
    );
    let vocabulary = real.len() + tail.len();
    let words = Words::new(real.into_iter().chain(tail).collect());
    if words.content.is_empty() {
        return Err(Error::Manifest {
            path: out.to_path_buf(),
            message: "the source corpus has too few words to generate from".into(),
        });
    }

    let corpus_dir = out.join(CORPUS_DIR);
    if corpus_dir.exists() {
        std::fs::remove_dir_all(&corpus_dir).map_err(io(&corpus_dir))?;
    }
    for folder in ["faq", "projects"] {
        let dir = corpus_dir.join(folder);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    }
    let synonyms_path = corpus_dir.join(corpus::SYNONYMS_FILE);
    std::fs::write(&synonyms_path, synonyms_text).map_err(io(&synonyms_path))?;

    // The shipped corpus has about one FAQ passage in nine, about three to an FAQ entry. FAQ
    // ids may be any slug now, but a generated corpus still stops at 100 FAQ entries
    // (`faq-00` to `faq-99`), so that its figures stay comparable with the benchmarks'.
    let faq_count = (passages / 27).min(100).max(usize::from(passages >= 10));
    let mut writer = Writer {
        words: &words,
        rng: Rng::new(options.seed.wrapping_add(1)),
    };
    let mut sketches: Vec<Sketch> = Vec::new();
    let mut left = passages;
    let mut faq_titles: FxHashSet<String> = FxHashSet::default();
    for n in 0..faq_count {
        let count = rng.between(1, 5).min(left);
        let (text, sketch) = faq_entry(&mut writer, n, count, &mut faq_titles);
        let path = corpus_dir.join("faq").join(format!("{}.md", sketch.id));
        std::fs::write(&path, text).map_err(io(&path))?;
        sketches.push(sketch);
        left -= count;
    }
    let mut projects = 0;
    let mut short_names: FxHashSet<String> = FxHashSet::default();
    while left > 0 {
        let count = length(&mut rng, 12, 5, 24).min(left);
        // Never leave a remainder smaller than a project can be.
        let count = if left - count < 5 { left } else { count };
        let (text, sketch) = project_entry(&mut writer, projects, count, &mut short_names);
        let path = corpus_dir
            .join("projects")
            .join(format!("{}.md", sketch.id));
        std::fs::write(&path, text).map_err(io(&path))?;
        sketches.push(sketch);
        left -= count;
        projects += 1;
    }

    let questions_file = out.join(QUESTIONS_FILE);
    let questions = write_questions(&mut writer, &sketches, options.questions, &questions_file)?;
    Ok(Summary {
        corpus_dir,
        questions_file,
        faq_entries: faq_count,
        projects,
        passages,
        questions,
        vocabulary,
    })
}

/// An FAQ entry whose title is none of `titles` (as [`corpus::title_key`]s), which it joins:
/// the corpus allows no two FAQ entries the same title.
fn faq_entry(
    w: &mut Writer,
    n: usize,
    passages: usize,
    titles: &mut FxHashSet<String>,
) -> (String, Sketch) {
    let id = format!("faq-{n:02}");
    let title = loop {
        let title = w.question();
        if titles.insert(corpus::title_key(&title)) {
            break title;
        }
    };
    let mut text = format!("---\nid: {id}\ntitle: {title}\n");
    let alternates: Vec<String> = (0..w.rng.between(0, 3)).map(|_| w.question()).collect();
    list(&mut text, "alternates", &alternates);
    text.push_str("---\n");
    let mut sample_passage = String::new();
    for i in 0..passages {
        let p = w.passage(MEAN_WORDS_FAQ);
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&p);
        text.push('\n');
        if i == 0 {
            sample_passage = p;
        }
    }
    let sketch = Sketch {
        kind: Kind::Faq,
        id,
        title,
        alternates,
        sample_passage,
    };
    (text, sketch)
}

fn list(text: &mut String, key: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(text, "{key}:");
    for item in items {
        let _ = writeln!(text, "  - {item}");
    }
}

/// Places, for lead councils: a made-up or rare word as a town name.
fn place(w: &mut Writer) -> String {
    capitalise(w.words.rare_content(&mut w.rng))
}

fn project_entry(
    w: &mut Writer,
    n: usize,
    passages: usize,
    short_names: &mut FxHashSet<String>,
) -> (String, Sketch) {
    // A name of two to five words, distinctive enough to tell projects apart.
    let mut name_words: Vec<String> = (0..w.rng.between(1, 3))
        .map(|_| capitalise(w.words.content(&mut w.rng)))
        .collect();
    name_words.insert(
        w.rng.below(name_words.len() + 1),
        capitalise(w.words.rare_content(&mut w.rng)),
    );
    if w.rng.chance(0.5) {
        name_words.push(
            w.rng
                .pick(&["Online", "Services", "Project", "Programme"])
                .to_string(),
        );
    }
    let name = name_words.join(" ");
    let mut short_name: String = name_words
        .iter()
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_uppercase)
        .collect();
    if short_name.chars().count() < 3 {
        short_name = name_words[0].to_uppercase();
    }
    // Short names repeat in a big directory, as acronyms do; the id stays unique.
    if !short_names.insert(short_name.clone()) && w.rng.chance(0.5) {
        short_name.push_str(&(n % 100).to_string());
    }
    let slug_word: String = analysis::fold(&name_words[0])
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        .take(20)
        .collect();
    let id = if slug_word.is_empty() {
        format!("project-{n}")
    } else {
        format!("{slug_word}-{n}")
    };

    let place = place(w);
    let lead = match w.rng.below(4) {
        0 => format!("London Borough of {place}"),
        1 => format!("{place} County Council"),
        2 => format!("{place} City Council"),
        _ => format!("{place} Borough Council"),
    };
    let aliases: Vec<String> = (0..w.rng.between(0, 6))
        .map(|i| match i {
            0 => format!("{short_name} project"),
            1 => format!("{short_name} National Project"),
            _ => w.content_words(1, 3).join(" "),
        })
        .collect();
    let partners: Vec<String> = (0..w.rng.between(0, 3))
        .map(|_| format!("{} Council", place_word(w)))
        .collect();
    let keywords: Vec<String> = (0..w.rng.between(3, 12))
        .map(|_| w.content_words(1, 3).join(" "))
        .collect();
    let alternates: Vec<String> = (0..w.rng.between(2, 7)).map(|_| w.question()).collect();
    let mut summary = format!("{short_name} helped councils with");
    for word in w.content_words(4, 9) {
        summary.push(' ');
        summary.push_str(&word);
    }
    summary.push('.');
    let strand = *w
        .rng
        .pick(&["building-block", "priority-service", "unknown"]);

    let mut text = String::with_capacity(passages * 220 + 1024);
    let _ = writeln!(
        text,
        "---\nid: {id}\nname: {name}\nshort_name: {short_name}"
    );
    list(&mut text, "aliases", &aliases);
    let _ = writeln!(text, "lead: {lead}");
    list(&mut text, "partners", &partners);
    let _ = writeln!(text, "strand: {strand}\nsummary: {summary}");
    list(&mut text, "keywords", &keywords);
    list(&mut text, "alternates", &alternates);
    let _ = writeln!(
        text,
        "sources:\n  - https://example.org/generated/{id}\n---"
    );

    // Sections as the shipped projects have them: an aim, lists of outputs and outcomes, who
    // ran it, and notes. Every paragraph and bullet is one passage.
    let mut sample_passage = String::new();
    let mut left = passages;
    let produced = ((passages - 1) * 2 / 5).max(usize::from(left > 2));
    let councils = ((passages - 1) / 4).min(left.saturating_sub(1 + produced));
    let who = usize::from(left > 1 + produced + councils);
    let sections: [(&str, usize, bool); 5] = [
        ("Aim", 1, false),
        ("What it produced", produced, true),
        ("Councils and outcomes", councils, true),
        ("Who ran it", who, false),
        ("Good to know", 0, false),
    ];
    for (heading, count, bullets) in sections {
        let count = if heading == "Good to know" {
            left
        } else {
            count.min(left)
        };
        if count == 0 {
            continue;
        }
        let _ = writeln!(text, "## {heading}");
        for i in 0..count {
            let mut p = w.passage(MEAN_WORDS_PROJECT);
            if heading == "Councils and outcomes" {
                p = format!("{} Council {}", place_word(w), lowercase_first(&p));
            } else if heading == "Who ran it" {
                p = format!("{short_name} was led by {lead}. {p}");
            }
            if sample_passage.is_empty() {
                sample_passage = p.clone();
            }
            if bullets {
                let _ = writeln!(text, "- {p}");
            } else {
                if i > 0 {
                    text.push('\n');
                }
                let _ = writeln!(text, "{p}");
            }
        }
        text.push('\n');
        left -= count;
    }
    let sketch = Sketch {
        kind: Kind::Project,
        id: id.clone(),
        title: id,
        alternates,
        sample_passage,
    };
    (text, sketch)
}

fn place_word(w: &mut Writer) -> String {
    capitalise(w.words.rare_content(&mut w.rng))
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Out-of-scope questions: everyday council and life questions the programme does not answer.
const OUT_OF_SCOPE: &[&str] = &[
    "when is my bin collection day",
    "how do I renew my passport",
    "what is the weather like tomorrow",
    "can you book me a table for two",
    "who won the football last night",
    "how do I reset my email password",
    "what time does the swimming pool open",
    "where can I park my car in town",
    "how much is a train ticket to Leeds",
    "can I pay my parking fine here",
];

/// Writes `count` questions: exact alternates and titles, keyword questions from a passage,
/// the same with a typo, and out-of-scope questions. Returns how many were written.
fn write_questions(
    w: &mut Writer,
    sketches: &[Sketch],
    count: usize,
    path: &Path,
) -> Result<usize, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut file = std::io::BufWriter::new(file);
    for i in 0..count {
        let (q, expect, tag) = if i % 10 == 9 {
            (
                w.rng.pick(OUT_OF_SCOPE).to_string(),
                Vec::new(),
                "out-of-scope",
            )
        } else {
            let s = &sketches[w.rng.below(sketches.len())];
            let expect = vec![match s.kind {
                Kind::Faq => format!("faq:{}", s.title),
                _ => format!("project:{}", s.id),
            }];
            match i % 3 {
                0 if s.kind == Kind::Faq || !s.alternates.is_empty() => {
                    let q = if s.kind == Kind::Faq && (s.alternates.is_empty() || w.rng.chance(0.5))
                    {
                        s.title.clone()
                    } else {
                        w.rng.pick(&s.alternates).clone()
                    };
                    (q, expect, "exact")
                }
                2 => (
                    with_typo(&keyword_question(w, s), &mut w.rng),
                    expect,
                    "typo",
                ),
                _ => (keyword_question(w, s), expect, "keyword"),
            }
        };
        let line = serde_json::json!({ "q": q, "expect": expect, "tags": [tag, "generated"] });
        writeln!(file, "{line}").map_err(io)?;
    }
    file.flush().map_err(io)?;
    Ok(count)
}

/// "what about" and three to five content words of one of the entry's passages.
fn keyword_question(w: &mut Writer, s: &Sketch) -> String {
    let mut content: Vec<&str> = s
        .sample_passage
        .unicode_words()
        .filter(|word| word.chars().count() >= 4 && !analysis::is_stop_word(&analysis::fold(word)))
        .collect();
    content.sort_unstable();
    content.dedup();
    if content.is_empty() {
        return s.title.clone();
    }
    let opening = *w.rng.pick(&[
        "what about",
        "tell me about",
        "",
        "information on",
        "help with",
    ]);
    let mut q = opening.to_string();
    for _ in 0..w.rng.between(2, 5).min(content.len()) {
        if !q.is_empty() {
            q.push(' ');
        }
        let word = content.swap_remove(w.rng.below(content.len()));
        q.push_str(&word.to_lowercase());
    }
    q
}

/// Swaps two neighbouring letters of the question's longest word, as a hurried typist would.
fn with_typo(q: &str, rng: &mut Rng) -> String {
    let Some(longest) = q
        .split(' ')
        .filter(|w| w.len() >= 6 && w.is_ascii())
        .max_by_key(|w| w.len())
    else {
        return q.to_string();
    };
    let at = rng.between(1, longest.len() - 2);
    let mut bytes = longest.as_bytes().to_vec();
    bytes.swap(at, at + 1);
    let typo = String::from_utf8(bytes).unwrap_or_else(|_| longest.to_string());
    q.replacen(longest, &typo, 1)
}

/// Generates from the corpus in `from` (its words and synonyms) into `out`.
pub fn generate_from_dir(from: &Path, options: &Options, out: &Path) -> Result<Summary, Error> {
    let source = corpus::load(from)?;
    let synonyms_path = from.join(corpus::SYNONYMS_FILE);
    let synonyms_text = match std::fs::read_to_string(&synonyms_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(Error::Io {
                path: synonyms_path,
                source,
            })
        }
    };
    generate(&source, &synonyms_text, options, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Corpus {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
        corpus::load(&dir).expect("the shipped corpus loads")
    }

    fn generate_into(dir: &Path, passages: usize, seed: u64) -> Summary {
        let options = Options {
            passages,
            seed,
            questions: 50,
        };
        generate(
            &shipped(),
            "ODPM, Office of the Deputy Prime Minister\n",
            &options,
            dir,
        )
        .unwrap()
    }

    #[test]
    fn writes_a_valid_corpus_with_exactly_the_passages_asked_for() {
        for passages in [1, 7, 250, 3001] {
            let dir = tempfile::tempdir().unwrap();
            let summary = generate_into(dir.path(), passages, 7);
            let loaded = corpus::load(&summary.corpus_dir)
                .unwrap_or_else(|problems| panic!("{passages}: {problems}"));
            let written: usize = loaded
                .entries
                .iter()
                .map(|e| e.written_passages().len())
                .sum();
            assert_eq!(written, passages, "{passages}");
            assert_eq!(
                loaded.of_kind(Kind::Faq).count() + loaded.of_kind(Kind::Project).count(),
                summary.faq_entries + summary.projects
            );
            assert_eq!(loaded.synonyms.len(), 1);
        }
    }

    #[test]
    fn has_both_kinds_and_plausible_lengths() {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate_into(dir.path(), 2000, 1);
        let loaded = corpus::load(&summary.corpus_dir).unwrap();
        assert!(loaded.of_kind(Kind::Faq).count() >= 20);
        assert!(loaded.of_kind(Kind::Project).count() >= 100);
        let words: Vec<usize> = loaded
            .entries
            .iter()
            .flat_map(|e| &e.passages)
            .map(|p| p.text.unicode_words().count())
            .collect();
        let mean = words.iter().sum::<usize>() as f64 / words.len() as f64;
        assert!((18.0..45.0).contains(&mean), "mean passage length {mean}");
        assert!(summary.vocabulary > 2000, "{}", summary.vocabulary);
    }

    #[test]
    fn the_same_seed_gives_the_same_files_and_another_seed_does_not() {
        let read = |dir: &Path| {
            let project = std::fs::read_dir(dir.join("corpus/projects"))
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .min()
                .unwrap();
            (
                std::fs::read_to_string(project).unwrap(),
                std::fs::read_to_string(dir.join(QUESTIONS_FILE)).unwrap(),
            )
        };
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        generate_into(a.path(), 500, 42);
        generate_into(b.path(), 500, 42);
        generate_into(c.path(), 500, 43);
        assert_eq!(read(a.path()), read(b.path()));
        assert_ne!(read(a.path()), read(c.path()));
    }

    #[test]
    fn questions_are_in_the_evaluation_format_and_name_real_entries() {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate_into(dir.path(), 800, 3);
        let loaded = corpus::load(&summary.corpus_dir).unwrap();
        let text = std::fs::read_to_string(&summary.questions_file).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 50);
        let mut out_of_scope = 0;
        for line in &lines {
            assert!(!line["q"].as_str().unwrap().is_empty(), "{line}");
            let expect = line["expect"].as_array().unwrap();
            out_of_scope += usize::from(expect.is_empty());
            for e in expect {
                let e = e.as_str().unwrap();
                let found = match e.split_once(':') {
                    Some(("faq", title)) => loaded.of_kind(Kind::Faq).any(|f| f.title == title),
                    Some(("project", id)) => loaded.entry(id).is_some(),
                    _ => false,
                };
                assert!(found, "{e} names no entry");
            }
        }
        assert_eq!(out_of_scope, 5);
    }

    #[test]
    fn a_typo_swaps_two_letters_of_the_longest_word() {
        let mut rng = Rng::new(1);
        let q = with_typo("what about planning permission", &mut rng);
        assert_ne!(q, "what about planning permission");
        assert_eq!(q.len(), "what about planning permission".len());
        assert!(q.starts_with("what about planning "), "{q}");
    }
}
