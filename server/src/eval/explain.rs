//! `signpost-server explain "question"`: why a question gets the answer it gets — the entries
//! ranked with each feature and score, and what the answer's confidence is made of, for
//! whoever tunes the corpus or the model.

use std::fmt::Write as _;

use crate::engine::model::{Model, CONFIDENCE_FEATURES, RANK_FEATURES};
use crate::engine::{AskRequest, Engine, QuestionError};

/// The explanation of one question, as text.
/// `earlier` are the conversation's questions before it, each asked with the context the
/// one before left.
pub fn explain(
    engine: &Engine,
    earlier: &[String],
    question: &str,
    top: usize,
) -> Result<String, QuestionError> {
    let mut out = String::new();
    let mut context = None;
    for q in earlier {
        let request = AskRequest {
            q: q.clone(),
            context,
            ..AskRequest::default()
        };
        let response = engine.ask(&request)?;
        let answer = response
            .answer
            .as_ref()
            .map_or("none (declined)", |a| &a.id);
        let _ = writeln!(out, "earlier: {q} → {answer}");
        context = Some(response.context);
    }
    let request = AskRequest {
        q: question.to_string(),
        context,
        ..AskRequest::default()
    };
    let (response, trace) = engine.ask_traced(&request)?;
    let model: &Model = &engine.settings().model;
    let _ = writeln!(out, "question: {question}");
    match &response.answer {
        Some(a) => {
            let _ = writeln!(
                out,
                "answer: {} {} (confidence {:.3})\n  {}",
                a.kind, a.id, a.confidence, a.text
            );
        }
        None => {
            let _ = writeln!(out, "answer: none (declined)");
        }
    }
    let _ = writeln!(out, "\nranked entries (score = Σ weight × feature):");
    for ((id, features), score) in trace.ranked.iter().zip(&trace.scores).take(top) {
        let sum = model.score(features);
        if (score - sum).abs() > 1e-4 {
            let _ = writeln!(
                out,
                "  {id}: score {score:.3} (Σ {sum:.3}, raised: it spells out the acronym asked \
                 about, or the conversation is about it)"
            );
        } else {
            let _ = writeln!(out, "  {id}: score {score:.3}");
        }
        for ((name, w), x) in RANK_FEATURES.iter().zip(&model.rank).zip(features) {
            if *x != 0.0 {
                let _ = writeln!(out, "      {name:<24} {x:>7.3} × {w:>7.3} = {:>7.3}", x * w);
            }
        }
    }
    if let Some(z) = trace.confidence {
        let _ = writeln!(
            out,
            "\nconfidence = sigmoid(bias {:.3} + Σ weight × feature) = {:.3}",
            model.confidence_bias,
            model.confidence(&z)
        );
        for ((name, w), x) in CONFIDENCE_FEATURES.iter().zip(&model.confidence).zip(&z) {
            let _ = writeln!(out, "      {name:<24} {x:>7.3} × {w:>7.3} = {:>7.3}", x * w);
        }
    }
    Ok(out)
}
