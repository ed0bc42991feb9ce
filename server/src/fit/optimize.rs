//! The two small regressions `signpost-server fit` solves, and the minimiser they share:
//!
//! - **ranking**: weights for entry features such that, question by question, a softmax over
//!   the candidate entries' scores puts its mass on the right entries (listwise
//!   log-likelihood, as in ListNet with a one-hot target);
//! - **confidence**: a logistic regression from an answer's features to whether it was right.
//!
//! Both add an L2 penalty so a feature the data says little about stays near zero. The
//! minimiser is L-BFGS with a backtracking line search: a handful of weights and a few
//! thousand questions converge in milliseconds.

/// One question's candidate entries for ranking: each one's features, and whether it is a
/// right answer. `weight` is how much the question counts.
pub struct RankGroup {
    pub features: Vec<Vec<f64>>,
    pub relevant: Vec<bool>,
    pub weight: f64,
}

/// One answer for calibration: its features, whether it was right, and how much it counts.
pub struct Labelled {
    pub features: Vec<f64>,
    pub right: bool,
    pub weight: f64,
}

/// Fits ranking weights (no intercept: a shift of every score changes no softmax).
pub fn fit_ranking(groups: &[RankGroup], dims: usize, l2: f64) -> Vec<f64> {
    let total: f64 = groups
        .iter()
        .map(|g| g.weight)
        .sum::<f64>()
        .max(f64::EPSILON);
    let objective = |w: &[f64]| {
        let mut loss = 0.0;
        let mut grad = vec![0.0; dims];
        for g in groups {
            if !g.relevant.iter().any(|r| *r) || g.features.is_empty() {
                continue;
            }
            let scores: Vec<f64> = g.features.iter().map(|x| dot(w, x)).collect();
            let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let exp: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
            let all: f64 = exp.iter().sum();
            let right: f64 = exp
                .iter()
                .zip(&g.relevant)
                .filter(|(_, r)| **r)
                .map(|(e, _)| e)
                .sum();
            let k = g.weight / total;
            loss += k * (all.ln() - right.ln());
            for ((x, e), r) in g.features.iter().zip(&exp).zip(&g.relevant) {
                let coefficient = e / all - if *r { e / right } else { 0.0 };
                for (gi, xi) in grad.iter_mut().zip(x) {
                    *gi += k * coefficient * xi;
                }
            }
        }
        penalise(w, l2, &mut loss, &mut grad, dims);
        (loss, grad)
    };
    minimize(objective, vec![0.0; dims])
}

/// Fits a logistic regression whose weights keep the signs asked for (`signs[i]` > 0: not
/// negative, < 0: not positive, 0: free): a feature whose fitted weight comes out with the
/// wrong sign is dropped and the rest refitted, until none does. Without that, two features
/// that move together (a score and the coverage it is built from) can take opposite weights
/// that fit the data and say nonsense on a question unlike it. The intercept is the last
/// weight returned.
pub fn fit_logistic_signed(rows: &[Labelled], signs: &[f64], l2: f64) -> Vec<f64> {
    let dims = signs.len();
    let mut kept = vec![true; dims];
    loop {
        let masked: Vec<Labelled> = rows
            .iter()
            .map(|r| Labelled {
                features: r
                    .features
                    .iter()
                    .zip(&kept)
                    .map(|(x, k)| if *k { *x } else { 0.0 })
                    .collect(),
                right: r.right,
                weight: r.weight,
            })
            .collect();
        let w = fit_logistic(&masked, dims, l2);
        let wrong: Vec<usize> = (0..dims)
            .filter(|i| kept[*i] && w[*i] * signs[*i] < 0.0)
            .collect();
        if wrong.is_empty() {
            return w
                .iter()
                .enumerate()
                .map(|(i, x)| if i < dims && !kept[i] { 0.0 } else { *x })
                .collect();
        }
        // Drop the worst offender only: the others may come right without it.
        let worst = wrong
            .iter()
            .copied()
            .max_by(|a, b| {
                (w[*a] * signs[*a])
                    .abs()
                    .total_cmp(&(w[*b] * signs[*b]).abs())
            })
            .expect("not empty");
        kept[worst] = false;
    }
}

/// Fits a logistic regression; the intercept is the last weight returned.
pub fn fit_logistic(rows: &[Labelled], dims: usize, l2: f64) -> Vec<f64> {
    let n = rows
        .iter()
        .map(|r| r.weight)
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let objective = |w: &[f64]| {
        let mut loss = 0.0;
        let mut grad = vec![0.0; dims + 1];
        for row in rows {
            let z = dot(&w[..dims], &row.features) + w[dims];
            let p = sigmoid(z);
            let y = if row.right { 1.0 } else { 0.0 };
            // log(1 + e^z) - y z, written to stay finite for large |z|.
            let share = row.weight / n;
            loss += (z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z) * share;
            for (gi, xi) in grad.iter_mut().zip(&row.features) {
                *gi += (p - y) * xi * share;
            }
            grad[dims] += (p - y) * share;
        }
        penalise(w, l2, &mut loss, &mut grad, dims);
        (loss, grad)
    };
    minimize(objective, vec![0.0; dims + 1])
}

/// Adds `l2`·|w|² over the first `dims` weights (an intercept after them is not penalised).
fn penalise(w: &[f64], l2: f64, loss: &mut f64, grad: &mut [f64], dims: usize) {
    for (i, wi) in w.iter().enumerate().take(dims) {
        *loss += l2 * wi * wi;
        grad[i] += 2.0 * l2 * wi;
    }
}

pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// L-BFGS: minimises a smooth function given as `x → (value, gradient)`.
fn minimize(f: impl Fn(&[f64]) -> (f64, Vec<f64>), start: Vec<f64>) -> Vec<f64> {
    const MEMORY: usize = 8;
    const ITERATIONS: usize = 500;
    let mut x = start;
    let (mut value, mut grad) = f(&x);
    let mut history: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new();
    for _ in 0..ITERATIONS {
        if norm(&grad) < 1e-9 {
            break;
        }
        // Two-loop recursion: the direction −H·g.
        let mut q = grad.clone();
        let mut alphas = Vec::with_capacity(history.len());
        for (s, y, rho) in history.iter().rev() {
            let alpha = rho * dot(s, &q);
            axpy(-alpha, y, &mut q);
            alphas.push(alpha);
        }
        if let Some((s, y, _)) = history.last() {
            let gamma = dot(s, y) / dot(y, y).max(f64::EPSILON);
            q.iter_mut().for_each(|v| *v *= gamma);
        }
        for ((s, y, rho), alpha) in history.iter().zip(alphas.iter().rev()) {
            let beta = rho * dot(y, &q);
            axpy(alpha - beta, s, &mut q);
        }
        let mut direction: Vec<f64> = q.iter().map(|v| -v).collect();
        if dot(&direction, &grad) >= 0.0 {
            // Not a descent direction: start the memory afresh.
            history.clear();
            direction = grad.iter().map(|v| -v).collect();
        }
        // Backtracking until the Armijo condition holds.
        let slope = dot(&direction, &grad);
        let mut step = 1.0;
        let mut next = None;
        for _ in 0..50 {
            let candidate: Vec<f64> = x
                .iter()
                .zip(&direction)
                .map(|(a, d)| a + step * d)
                .collect();
            let (v, g) = f(&candidate);
            if v.is_finite() && v <= value + 1e-4 * step * slope {
                next = Some((candidate, v, g));
                break;
            }
            step *= 0.5;
        }
        let Some((candidate, v, g)) = next else {
            break;
        };
        let s: Vec<f64> = candidate.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g.iter().zip(&grad).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            history.push((s, y, 1.0 / sy));
            if history.len() > MEMORY {
                history.remove(0);
            }
        }
        let improvement = value - v;
        x = candidate;
        value = v;
        grad = g;
        if improvement.abs() < 1e-12 {
            break;
        }
    }
    x
}

fn norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the tests need no dependency.
    struct Lcg(u64);

    impl Lcg {
        fn unit(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn minimises_a_quadratic() {
        let x = minimize(
            |x| {
                let (a, b) = (x[0] - 3.0, x[1] + 1.0);
                (a * a + 10.0 * b * b, vec![2.0 * a, 20.0 * b])
            },
            vec![0.0, 0.0],
        );
        assert!(
            (x[0] - 3.0).abs() < 1e-5 && (x[1] + 1.0).abs() < 1e-5,
            "{x:?}"
        );
    }

    #[test]
    fn logistic_regression_recovers_the_weights_that_made_the_labels() {
        let mut rng = Lcg(3);
        let truth = [2.0, -1.5];
        let bias = 0.5;
        let rows: Vec<Labelled> = (0..20_000)
            .map(|_| {
                let features = vec![rng.unit() * 4.0 - 2.0, rng.unit() * 4.0 - 2.0];
                let p = sigmoid(truth[0] * features[0] + truth[1] * features[1] + bias);
                Labelled {
                    right: rng.unit() < p,
                    features,
                    weight: 1.0,
                }
            })
            .collect();
        let w = fit_logistic(&rows, 2, 0.0);
        for (got, want) in w.iter().zip(truth.iter().chain([bias].iter())) {
            assert!((got - want).abs() < 0.15, "{w:?}");
        }
    }

    #[test]
    fn a_weight_of_the_wrong_sign_is_dropped() {
        let mut rng = Lcg(5);
        // Feature 1 copies feature 0 plus noise, and is asked to be not positive.
        let rows: Vec<Labelled> = (0..5000)
            .map(|_| {
                let x = rng.unit() * 4.0 - 2.0;
                let features = vec![x, x + 0.1 * rng.unit()];
                Labelled {
                    right: rng.unit() < sigmoid(2.0 * x),
                    features,
                    weight: 1.0,
                }
            })
            .collect();
        let w = fit_logistic_signed(&rows, &[1.0, -1.0], 0.0);
        assert!(w[0] > 1.0, "{w:?}");
        assert!(w[1] <= 0.0, "{w:?}");
    }

    #[test]
    fn a_row_of_weight_two_counts_as_that_row_twice() {
        let mut rng = Lcg(11);
        // The first half is right far more often than the second.
        let rows: Vec<(Vec<f64>, bool)> = (0..400)
            .map(|i| {
                let x = rng.unit() * 4.0 - 2.0;
                let bias = if i < 200 { 2.0 } else { -2.0 };
                (vec![x], rng.unit() < sigmoid(x + bias))
            })
            .collect();
        let labelled = |(features, right): &(Vec<f64>, bool), weight| Labelled {
            features: features.clone(),
            right: *right,
            weight,
        };
        // The first half weighs double, or is there twice.
        let weighted: Vec<Labelled> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| labelled(r, if i < 200 { 2.0 } else { 1.0 }))
            .collect();
        let doubled: Vec<Labelled> = rows
            .iter()
            .chain(&rows[..200])
            .map(|r| labelled(r, 1.0))
            .collect();
        let (a, b) = (
            fit_logistic(&weighted, 1, 0.0),
            fit_logistic(&doubled, 1, 0.0),
        );
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-3, "{a:?} {b:?}");
        }
        // And differs from every row once: the weight is not ignored.
        let once: Vec<Labelled> = rows.iter().map(|r| labelled(r, 1.0)).collect();
        let c = fit_logistic(&once, 1, 0.0);
        assert!(
            a.iter().zip(&c).any(|(x, y)| (x - y).abs() > 1e-2),
            "{a:?} {c:?}"
        );
    }

    #[test]
    fn ranking_learns_which_feature_marks_the_right_entry() {
        let mut rng = Lcg(9);
        // Feature 0 is noise; feature 1 is higher for the right entry.
        let groups: Vec<RankGroup> = (0..500)
            .map(|_| {
                let right = (rng.unit() * 5.0) as usize;
                let features = (0..5)
                    .map(|i| {
                        let signal = if i == right { 0.6 } else { 0.0 };
                        vec![rng.unit(), rng.unit() * 0.5 + signal]
                    })
                    .collect();
                RankGroup {
                    relevant: (0..5).map(|i| i == right).collect(),
                    features,
                    weight: 1.0,
                }
            })
            .collect();
        let w = fit_ranking(&groups, 2, 1e-4);
        assert!(w[1] > 5.0 && w[0].abs() < w[1] / 5.0, "{w:?}");
    }
}
