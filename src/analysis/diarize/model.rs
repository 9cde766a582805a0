//! The voice models of the diarization: a diagonal Gaussian mixture fitted by EM, and a
//! Gaussian of log-F0.

use super::FEATURES;

/// Variances are floored at this (standardised units squared).
const MIN_VARIANCE: f32 = 0.01;
/// ln(2π).
const LN_2PI: f32 = 1.837_877_1;

/// A mixture of diagonal Gaussians over [`FEATURES`] standardised features.
#[derive(Debug, Clone)]
pub(super) struct Gmm {
    log_weights: Vec<f32>,
    means: Vec<[f32; FEATURES]>,
    inv_vars: Vec<[f32; FEATURES]>,
    /// Per component: ln weight − ½ Σ ln(2π σ²).
    log_norms: Vec<f32>,
}

impl Gmm {
    /// Fits `components` Gaussians to `data` with `iterations` of EM, started from
    /// evenly spaced points of `data` and the data's own variance. With no data, a
    /// standard normal.
    pub(super) fn fit(data: &[[f32; FEATURES]], components: usize, iterations: usize) -> Self {
        let n = data.len();
        let m = components.min(n).max(1);
        let mut global_mean = [0.0f32; FEATURES];
        let mut global_var = [1.0f32; FEATURES];
        if n > 1 {
            for x in data {
                for (g, v) in global_mean.iter_mut().zip(x) {
                    *g += v / n as f32;
                }
            }
            for (d, gv) in global_var.iter_mut().enumerate() {
                *gv = (data
                    .iter()
                    .map(|x| (x[d] - global_mean[d]).powi(2))
                    .sum::<f32>()
                    / n as f32)
                    .max(MIN_VARIANCE);
            }
        }
        let means: Vec<[f32; FEATURES]> = if n == 0 {
            vec![global_mean]
        } else {
            (0..m).map(|i| data[(2 * i + 1) * n / (2 * m)]).collect()
        };
        let mut gmm = Self::from_parts(vec![1.0 / m as f32; m], means, vec![global_var; m]);
        let mut resp = vec![0.0f32; m];
        for _ in 0..iterations {
            if n == 0 {
                break;
            }
            let mut w = vec![0.0f64; m];
            let mut s1 = vec![[0.0f64; FEATURES]; m];
            let mut s2 = vec![[0.0f64; FEATURES]; m];
            for x in data {
                gmm.responsibilities(x, &mut resp);
                for c in 0..m {
                    let r = f64::from(resp[c]);
                    if r < 1e-6 {
                        continue;
                    }
                    w[c] += r;
                    for d in 0..FEATURES {
                        let v = f64::from(x[d]);
                        s1[c][d] += r * v;
                        s2[c][d] += r * v * v;
                    }
                }
            }
            let mut weights = Vec::with_capacity(m);
            let mut means = Vec::with_capacity(m);
            let mut vars = Vec::with_capacity(m);
            for c in 0..m {
                if w[c] < 2.0 {
                    // An empty component restarts on the global spread.
                    weights.push(1e-3);
                    means.push(gmm.means[c]);
                    vars.push(global_var);
                    continue;
                }
                let mut mean = [0.0f32; FEATURES];
                let mut var = [0.0f32; FEATURES];
                for d in 0..FEATURES {
                    let mu = s1[c][d] / w[c];
                    mean[d] = mu as f32;
                    var[d] = ((s2[c][d] / w[c] - mu * mu) as f32).max(MIN_VARIANCE);
                }
                weights.push((w[c] / n as f64) as f32);
                means.push(mean);
                vars.push(var);
            }
            gmm = Self::from_parts(weights, means, vars);
        }
        gmm
    }

    fn from_parts(
        weights: Vec<f32>,
        means: Vec<[f32; FEATURES]>,
        vars: Vec<[f32; FEATURES]>,
    ) -> Self {
        let total: f32 = weights.iter().sum::<f32>().max(1e-12);
        let log_weights: Vec<f32> = weights
            .iter()
            .map(|w| (w / total).max(1e-12).ln())
            .collect();
        let inv_vars: Vec<[f32; FEATURES]> = vars.iter().map(|v| v.map(|x| 1.0 / x)).collect();
        let log_norms = log_weights
            .iter()
            .zip(&vars)
            .map(|(lw, v)| lw - 0.5 * v.iter().map(|x| LN_2PI + x.ln()).sum::<f32>())
            .collect();
        Self {
            log_weights,
            means,
            inv_vars,
            log_norms,
        }
    }

    /// Log-density of each component at `x` (weight included) into `out`.
    fn component_logs(&self, x: &[f32; FEATURES], out: &mut [f32]) {
        for (((o, mean), inv), norm) in out
            .iter_mut()
            .zip(&self.means)
            .zip(&self.inv_vars)
            .zip(&self.log_norms)
        {
            let mut q = 0.0;
            for d in 0..FEATURES {
                let z = x[d] - mean[d];
                q += z * z * inv[d];
            }
            *o = norm - 0.5 * q;
        }
    }

    fn responsibilities(&self, x: &[f32; FEATURES], resp: &mut [f32]) {
        self.component_logs(x, resp);
        let max = resp.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for r in resp.iter_mut() {
            *r = (*r - max).exp();
            sum += *r;
        }
        for r in resp.iter_mut() {
            *r /= sum;
        }
    }

    /// Log-density of `x`.
    pub(super) fn log_likelihood(&self, x: &[f32; FEATURES]) -> f32 {
        let mut logs = [0.0f32; 16];
        let m = self.log_weights.len().min(logs.len());
        self.component_logs(x, &mut logs[..m]);
        let max = logs[..m].iter().copied().fold(f32::NEG_INFINITY, f32::max);
        max + logs[..m].iter().map(|l| (l - max).exp()).sum::<f32>().ln()
    }
}

/// A Gaussian of standardised log-F0.
#[derive(Debug, Clone, Copy)]
pub(super) struct LogF0Model {
    mean: f32,
    inv_var: f32,
    log_norm: f32,
}

impl LogF0Model {
    /// The Gaussian of `values` (a standard normal with fewer than two).
    pub(super) fn fit(values: &[f32]) -> Self {
        let (mean, var) = if values.len() >= 2 {
            let n = values.len() as f32;
            let mean = values.iter().sum::<f32>() / n;
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n;
            (mean, var.max(MIN_VARIANCE))
        } else {
            (0.0, 1.0)
        };
        Self {
            mean,
            inv_var: 1.0 / var,
            log_norm: -0.5 * (LN_2PI + var.ln()),
        }
    }

    /// Log-density at `x`.
    pub(super) fn log_likelihood(&self, x: f32) -> f32 {
        let z = x - self.mean;
        self.log_norm - 0.5 * z * z * self.inv_var
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mixture_finds_two_separate_clusters() {
        // Two clusters at -3 and +3 on every axis, alternating.
        let data: Vec<[f32; FEATURES]> = (0..400)
            .map(|i| {
                let centre = if i % 2 == 0 { -3.0 } else { 3.0 };
                let jitter = ((i * 37 % 17) as f32 - 8.0) / 16.0;
                [centre + jitter; FEATURES]
            })
            .collect();
        let gmm = Gmm::fit(&data, 2, 10);
        let mut means: Vec<f32> = gmm.means.iter().map(|m| m[0]).collect();
        means.sort_by(f32::total_cmp);
        assert!((means[0] + 3.0).abs() < 0.1, "{means:?}");
        assert!((means[1] - 3.0).abs() < 0.1, "{means:?}");
        // A point at a centre is far more likely than one between the clusters.
        assert!(gmm.log_likelihood(&[3.0; FEATURES]) > gmm.log_likelihood(&[0.0; FEATURES]) + 20.0);
    }

    #[test]
    fn the_f0_gaussian_prefers_its_mean() {
        let m = LogF0Model::fit(&[1.0, 1.2, 0.8, 1.1, 0.9]);
        assert!(m.log_likelihood(1.0) > m.log_likelihood(0.0));
        assert!((m.log_likelihood(1.0) - m.log_likelihood(1.0)).abs() < 1e-6);
    }
}
