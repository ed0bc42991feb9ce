//! How far an answer's confidence can be trusted: answers grouped into ten confidence bands
//! (0–0.1 … 0.9–1.0, with 1.0 in the last), each band's count, how many were right, its mean
//! confidence and its share right, and the expected calibration error
//! ECE = Σ over bands of (answers in the band / all answers) · |mean confidence − share right|.
//! A well calibrated engine is right about 70% of the time it says 0.7, so a threshold on
//! confidence means what it says. Both `eval` and `quality` print this table.

use std::fmt;

/// How many equal bands [0, 1] is cut into.
pub const BANDS: usize = 10;

/// The answers whose confidence fell in one band.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Band {
    pub answers: usize,
    pub right: usize,
    /// The sum of the answers' confidences, for the mean.
    pub confidence_sum: f64,
}

impl Band {
    /// The mean confidence; `None` for an empty band.
    pub fn mean_confidence(&self) -> Option<f64> {
        (self.answers > 0).then(|| self.confidence_sum / self.answers as f64)
    }

    /// The share of the band's answers that were right; `None` for an empty band.
    pub fn share_right(&self) -> Option<f64> {
        (self.answers > 0).then(|| self.right as f64 / self.answers as f64)
    }
}

/// The reliability table of a set of answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reliability {
    pub bands: [Band; BANDS],
}

/// A confidence as the API writes it: the engine's `f32` printed as its shortest decimal
/// (what serde_json sends and the Python scripts read), so 0.7 falls in the 0.7–0.8 band
/// instead of just below it, as `0.7f32 as f64` (0.69999998…) would.
pub fn as_written(confidence: f32) -> f64 {
    confidence
        .to_string()
        .parse()
        .unwrap_or(f64::from(confidence))
}

/// The band a confidence falls in: [k/10, (k+1)/10), with 1.0 (and anything above) in the
/// last and anything below 0 in the first.
pub fn band_of(confidence: f64) -> usize {
    // `as` saturates, and turns NaN into 0.
    ((confidence * BANDS as f64).floor() as usize).min(BANDS - 1)
}

impl Reliability {
    /// Counts one answer.
    pub fn add(&mut self, confidence: f32, right: bool) {
        let confidence = as_written(confidence);
        let band = &mut self.bands[band_of(confidence)];
        band.answers += 1;
        band.right += usize::from(right);
        band.confidence_sum += confidence;
    }

    /// How many answers were counted.
    pub fn answers(&self) -> usize {
        self.bands.iter().map(|b| b.answers).sum()
    }

    /// How many of them were right.
    pub fn right(&self) -> usize {
        self.bands.iter().map(|b| b.right).sum()
    }

    /// The expected calibration error; `None` when there were no answers.
    pub fn ece(&self) -> Option<f64> {
        let total = self.answers();
        (total > 0).then(|| {
            self.bands
                .iter()
                .filter_map(|b| {
                    let gap = (b.mean_confidence()? - b.share_right()?).abs();
                    Some(b.answers as f64 / total as f64 * gap)
                })
                .sum()
        })
    }
}

impl FromIterator<(f32, bool)> for Reliability {
    fn from_iter<I: IntoIterator<Item = (f32, bool)>>(answers: I) -> Reliability {
        let mut table = Reliability::default();
        for (confidence, right) in answers {
            table.add(confidence, right);
        }
        table
    }
}

/// A rate to three places, or `-` when there is nothing to measure.
fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_string(), |r| format!("{r:.3}"))
}

impl fmt::Display for Reliability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  {:<9} {:>7} {:>6} {:>10} {:>12}",
            "band", "answers", "right", "mean conf", "share right"
        )?;
        for (i, band) in self.bands.iter().enumerate() {
            let name = format!("{:.1}-{:.1}", i as f64 / 10.0, (i + 1) as f64 / 10.0);
            writeln!(
                f,
                "  {name:<9} {:>7} {:>6} {:>10} {:>12}",
                band.answers,
                band.right,
                rate(band.mean_confidence()),
                rate(band.share_right())
            )?;
        }
        writeln!(
            f,
            "  {:<9} {:>7} {:>6}   ECE {}",
            "all",
            self.answers(),
            self.right(),
            rate(self.ece())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidences_fall_in_the_band_their_written_value_names() {
        for (confidence, band) in [
            (0.0f32, 0),
            (0.099, 0),
            (0.1, 1),
            (0.3, 3),
            (0.55, 5),
            (0.7, 7),
            (0.8, 8),
            (0.9, 9),
            (0.999, 9),
            (1.0, 9),
            (1.5, 9),
            (-0.2, 0),
            (f32::NAN, 0),
        ] {
            assert_eq!(
                band_of(as_written(confidence)),
                band,
                "confidence {confidence}"
            );
        }
    }

    #[test]
    fn bands_count_answers_right_and_mean_confidence() {
        let table: Reliability = [(0.7f32, true), (0.75, false), (0.79, true), (1.0, true)]
            .into_iter()
            .collect();
        let b7 = table.bands[7];
        assert_eq!((b7.answers, b7.right), (3, 2));
        assert!((b7.mean_confidence().unwrap() - 0.28 * 8.0 / 3.0).abs() < 1e-12);
        assert_eq!(table.bands[9].share_right(), Some(1.0));
        assert_eq!(table.bands[0].mean_confidence(), None);
        assert_eq!((table.answers(), table.right()), (4, 3));
    }

    #[test]
    fn ece_weighs_each_band_gap_by_its_share_of_answers() {
        for (answers, ece) in [
            (vec![], None),
            // Perfectly calibrated: right half the time at 0.5.
            (vec![(0.5f32, true), (0.5, false)], Some(0.0)),
            // Always wrong at 0.9: the gap is the whole confidence.
            (vec![(0.9, false), (0.9, false)], Some(0.9)),
            // Band 0.2 (gap |0.2 − 1| = 0.8) holds 1 of 4; band 0.8 (gap |0.8 − 2/3|) 3 of 4.
            (
                vec![(0.2, true), (0.8, true), (0.8, true), (0.8, false)],
                Some(0.25 * 0.8 + 0.75 * (0.8 - 2.0 / 3.0)),
            ),
        ] {
            let table: Reliability = answers.iter().copied().collect();
            match (table.ece(), ece) {
                (Some(got), Some(want)) => {
                    assert!((got - want).abs() < 1e-9, "{answers:?}: {got} != {want}")
                }
                (got, want) => assert_eq!(got, want, "{answers:?}"),
            }
        }
    }

    #[test]
    fn the_table_prints_every_band_and_the_ece() {
        let table: Reliability = [(0.9f32, false), (0.9, true)].into_iter().collect();
        let text = table.to_string();
        assert_eq!(text.lines().count(), 1 + BANDS + 1, "{text}");
        assert!(
            text.contains("0.9-1.0         2      1      0.900        0.500"),
            "{text}"
        );
        assert!(
            text.contains("0.0-0.1         0      0          -            -"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("ECE 0.400"), "{text}");
    }
}
