//! The fitted numbers of the answer engine, shipped as data (`model.json` beside this file)
//! and refitted by `signpost-server fit` on the evaluation sets' dev data:
//!
//! - **ranking**: an entry's score is a weighted sum of its [`RANK_FEATURES`];
//! - **confidence**: the chance the answer is right is a logistic function of the best
//!   entry's [`CONFIDENCE_FEATURES`], so `--min-confidence` is a probability one can check
//!   against data (the `eval` command prints the reliability table).
//!
//! The file names each weight's feature, so a model written for another list of features is
//! refused rather than misread.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What an entry's ranking score is made of, each from 0 to about 1.
pub const RANK_FEATURES: [&str; 14] = [
    // BM25 of the entry document (title, alternate phrasings, names, keywords), over the best.
    "entry_relevance",
    // BM25 of the entry's best passage, over the best passage's.
    "passage_relevance",
    // The weighted share of the question the entry and its best passage account for.
    "coverage",
    // The weighted share the entry's own phrasings and names account for.
    "entry_coverage",
    // Weighted Jaccard similarity with the closest way of asking for the entry.
    "similarity",
    // The same, over the phrasings that open as the question does ("how many…").
    "same_opening_similarity",
    // Similarity with the entry's title (an FAQ's published question).
    "title_similarity",
    // The BM25 of all the entry's matching passages together, over the best entry's.
    "evidence",
    // The best passage states the kind of fact asked for (an amount, a date…).
    "states_fact",
    // The question names the entry (a project's name, short name or alias, whole).
    "named",
    // How closely the question is worded like the entry's title or an alternate, small words
    // and word pairs included (see `wording`).
    "wording_similarity",
    // BM25 of the question's stems and stem pairs, small words included, against the entry's
    // closest title or alternate, over the best entry's: how a published question is matched.
    "wording_bm25",
    // How close in meaning the question is to the entry's title and alternates: cosine of
    // their word-vector means (see `meaning`), for the words that differ but mean alike.
    "meaning",
    // The entry's title asks what something is ("What is a coronavirus?") and the question,
    // not asking that, says more than the title: the weighted share of the question the
    // title leaves out ("coronavirus symptoms" wants the symptoms, not the definition).
    "beyond_definition",
];

/// What the confidence in an answer is computed from.
pub const CONFIDENCE_FEATURES: [&str; 14] = [
    // How far ahead of the second entry it is.
    "margin",
    // The weighted share of the question the answer accounts for.
    "coverage",
    // The weighted share of the question in words the corpus does not have.
    "unknown_share",
    // Similarity with the closest way of asking for the entry.
    "similarity",
    // How well the chosen passage gives the kind of answer asked for (1 when nothing in
    // particular is asked).
    "answer_fit",
    // ln(1 + the number of searched terms).
    "length",
    // The question names the entry.
    "named",
    // The share of the question's words that were corrected as typos.
    "corrected_share",
    // The ranking's softmax probability of the top entry among the candidates ranked.
    "rank_probability",
    // How many of the question's searched words (weighted) the answer leaves out.
    "uncovered",
    // How closely the question is worded like one of the entry's questions (weighted Dice
    // of stems and pairs, small words included; see `wording`).
    "wording",
    // How close in meaning the question is to the entry's questions (the ranking's feature).
    "meaning",
    // The entry defines one thing and the question asks more (the ranking's feature).
    "beyond_definition",
    // The share of the question in words the corpus lacks, each weighed by how rarely
    // English uses it (see `meaning`).
    "unknown_meaning_share",
];

/// The place of `name` in `names`, for use in constants: a feature is then found when
/// compiling, not by comparing names per answer (that cost a tenth of the ranking).
pub const fn index_of(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        if same(names[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("no such feature")
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

pub type RankFeatures = [f32; RANK_FEATURES.len()];
pub type ConfidenceFeatures = [f32; CONFIDENCE_FEATURES.len()];

/// The weights, as shipped or refitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    pub rank: RankFeatures,
    pub confidence: ConfidenceFeatures,
    pub confidence_bias: f32,
}

/// `model.json`: each weight under its feature's name, and how the model was fitted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFile {
    pub ranking: BTreeMap<String, f32>,
    pub confidence: BTreeMap<String, f32>,
    pub confidence_bias: f32,
    /// How it was fitted: the command, the data, the figures reached. Read by people.
    #[serde(default)]
    pub fitted: serde_json::Value,
}

const SHIPPED: &str = include_str!("model.json");

static SHIPPED_MODEL: std::sync::LazyLock<Model> = std::sync::LazyLock::new(|| {
    Model::from_json(SHIPPED).expect("the shipped model.json is checked by a test")
});

impl Model {
    /// The model built into this binary.
    pub fn shipped() -> Model {
        *SHIPPED_MODEL
    }

    pub fn from_json(text: &str) -> Result<Model, String> {
        let file: ModelFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(Model {
            rank: weights(&file.ranking, &RANK_FEATURES)?,
            confidence: weights(&file.confidence, &CONFIDENCE_FEATURES)?,
            confidence_bias: file.confidence_bias,
        })
    }

    pub fn to_file(&self, fitted: serde_json::Value) -> ModelFile {
        let named = |names: &[&str], values: &[f32]| {
            names
                .iter()
                .zip(values)
                .map(|(n, w)| (n.to_string(), *w))
                .collect()
        };
        ModelFile {
            ranking: named(&RANK_FEATURES, &self.rank),
            confidence: named(&CONFIDENCE_FEATURES, &self.confidence),
            confidence_bias: self.confidence_bias,
            fitted,
        }
    }

    /// An entry's ranking score.
    pub fn score(&self, features: &RankFeatures) -> f32 {
        dot(&self.rank, features)
    }

    /// The chance the answer is right.
    pub fn confidence(&self, features: &ConfidenceFeatures) -> f32 {
        sigmoid(dot(&self.confidence, features) + self.confidence_bias)
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The weights of `names`, in order, from a file's map: every name, and no other.
fn weights<const N: usize>(
    map: &BTreeMap<String, f32>,
    names: &[&str; N],
) -> Result<[f32; N], String> {
    let mut out = [0.0; N];
    if let Some(unknown) = map.keys().find(|k| !names.contains(&k.as_str())) {
        return Err(format!("`{unknown}` is not a feature of this build"));
    }
    for (slot, name) in out.iter_mut().zip(names) {
        match map.get(*name) {
            Some(w) if w.is_finite() => *slot = *w,
            Some(_) => return Err(format!("the weight of `{name}` is not a number")),
            None => return Err(format!("no weight for `{name}`")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_names_every_feature_of_this_build() {
        let model = Model::from_json(SHIPPED).unwrap();
        assert!(model.rank.iter().any(|w| *w != 0.0));
        let again = Model::from_json(
            &serde_json::to_string(&model.to_file(serde_json::Value::Null)).unwrap(),
        )
        .unwrap();
        assert_eq!(again, model);
    }

    #[test]
    fn a_model_for_other_features_is_refused() {
        let mut file = Model::shipped().to_file(serde_json::Value::Null);
        let w = file.ranking.remove("entry_relevance").unwrap();
        file.ranking.insert("something_else".into(), w);
        let err = Model::from_json(&serde_json::to_string(&file).unwrap()).unwrap_err();
        assert!(err.contains("something_else"), "{err}");
        let mut short = Model::shipped().to_file(serde_json::Value::Null);
        short.confidence.remove("margin");
        let err = Model::from_json(&serde_json::to_string(&short).unwrap()).unwrap_err();
        assert!(err.contains("margin"), "{err}");
    }

    #[test]
    fn confidence_is_a_probability() {
        let model = Model::shipped();
        const N: usize = CONFIDENCE_FEATURES.len();
        for features in [[0.0; N], [1.0; N], [-50.0; N], [50.0; N]] {
            let p = model.confidence(&features);
            assert!((0.0..=1.0).contains(&p), "{p}");
        }
    }
}
