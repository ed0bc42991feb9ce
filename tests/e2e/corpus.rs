//! The shipped corpus is valid and complete; a broken one is refused with file and line.

use signpost_e2e::{repo_root, shipped_corpus};
use signpost_indexer::corpus::{self, Kind};

#[test]
fn the_shipped_corpus_passes_check() {
    let corpus = corpus::load(&shipped_corpus()).unwrap_or_else(|problems| panic!("{problems}"));
    assert_eq!(corpus.of_kind(Kind::Faq).count(), 10);
    let mut slugs: Vec<&str> = corpus
        .of_kind(Kind::Project)
        .map(|e| e.id.as_str())
        .collect();
    slugs.sort_unstable();
    let mut expected = [
        "parsol",
        "nomad",
        "crm",
        "laws",
        "eprocurement",
        "smartcards",
        "digitv",
        "edemocracy",
        "fame",
        "legsb",
        "ecitizen",
        "km",
        "epay",
        "ebenefits",
        "eadmissions",
        "workflow",
        "valuebill",
        "business",
        "ryogens",
    ];
    expected.sort_unstable();
    assert_eq!(slugs, expected);
}

#[test]
fn faq_titles_and_text_are_the_seed_text_exactly() {
    let seed =
        std::fs::read_to_string(repo_root().join("../shared/seeds/national-projects-faq.txt"))
            .or_else(|_| {
                std::fs::read_to_string(repo_root().join("tests/data/national-projects-faq.txt"))
            })
            .expect("the FAQ seed");
    let corpus = corpus::load(&shipped_corpus()).unwrap();
    for entry in corpus.of_kind(Kind::Faq) {
        assert!(
            seed.contains(&format!("\n{}\n", entry.title)),
            "title not in the seed: {}",
            entry.title
        );
        for passage in &entry.passages {
            assert!(
                seed.contains(&*passage.text),
                "{}: passage not in the seed: {}",
                entry.id,
                passage.text
            );
        }
    }
    // The council examples of the last answer are one passage each.
    let last = corpus.entry("faq-10").unwrap();
    assert!(last.passages.iter().filter(|p| p.lead_in.as_deref() == Some("A number of National Projects are already delivering services to citizens (via the local authority implementing the service). They include:")).count() == 6);
}

#[test]
fn check_binary_reports_file_and_line_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("faq")).unwrap();
    std::fs::write(
        dir.path().join("faq/bad.md"),
        "---\nid: faq-01\ntitel: oops\n---\nText\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "run",
            "--quiet",
            "-p",
            "signpost-indexer",
            "--",
            "check",
            "--corpus",
        ])
        .arg(dir.path())
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("faq/bad.md:3: unknown field `titel`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("faq/bad.md:1: missing required field `title`"),
        "{stderr}"
    );
}

#[test]
fn build_refuses_an_invalid_corpus_and_keeps_the_old_index() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("index");
    signpost_indexer::build_from_dir(&signpost_e2e::fixture_corpus(), &out).unwrap();
    let broken = dir.path().join("broken");
    std::fs::create_dir_all(broken.join("faq")).unwrap();
    std::fs::write(broken.join("faq/x.md"), "no front matter\n").unwrap();
    let err = signpost_indexer::build_from_dir(&broken, &out).unwrap_err();
    assert!(err.to_string().contains("x.md:1:"), "{err}");
    assert!(
        signpost_indexer::open_index(&out).is_ok(),
        "the old index still opens"
    );
}

/// Writes an FAQ entry file into `dir/faq/`.
fn faq(dir: &std::path::Path, file: &str, id: &str, title: &str, text: &str) {
    std::fs::create_dir_all(dir.join("faq")).unwrap();
    std::fs::write(
        dir.join("faq").join(file),
        format!("---\nid: {id}\ntitle: {title}\n---\n{text}\n"),
    )
    .unwrap();
}

#[tokio::test]
async fn faq_ids_are_slugs_of_any_length_and_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    faq(
        dir.path(),
        "a.md",
        "faq-05",
        "Is there a helpline?",
        "Ring the helpline on 0800 123 4567.",
    );
    faq(
        dir.path(),
        "b.md",
        "faq-100",
        "How do I renew a library book?",
        "Library books are renewed at the desk.",
    );
    faq(
        dir.path(),
        "c.md",
        "faq-t001",
        "How do I delete my account?",
        "Accounts are deleted from the settings page.",
    );
    let app = signpost_e2e::TestApp::from_corpus(dir.path());
    for (q, id) in [
        ("how do i renew a library book", "faq-100"),
        ("how do i delete my account", "faq-t001"),
    ] {
        let reply = app
            .get(&format!("/api/v1/ask?q={}", signpost_e2e::encode(q)))
            .await;
        assert_eq!(reply.json["answer"]["id"], id, "{q}: {}", reply.text);
    }
}

#[test]
fn two_faq_entries_with_one_title_are_refused_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    faq(
        dir.path(),
        "first.md",
        "faq-01",
        "Who funds it?",
        "The ODPM.",
    );
    faq(
        dir.path(),
        "second.md",
        "faq-02",
        "who  funds IT?",
        "Someone else.",
    );
    let problems = corpus::load(dir.path()).unwrap_err().to_string();
    assert!(problems.contains("second.md:3"), "{problems}");
    assert!(problems.contains("first.md"), "{problems}");
    assert!(problems.contains("duplicate FAQ title"), "{problems}");
}
