//! Latency samples and their percentiles.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Latencies of one scenario, in the order they were measured.
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    samples: Vec<Duration>,
}

impl Latencies {
    pub fn push(&mut self, sample: Duration) {
        self.samples.push(sample);
    }

    pub fn extend(&mut self, other: Latencies) {
        self.samples.extend(other.samples);
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// The samples `start..end` (clamped), in measurement order.
    pub fn slice(&self, start: usize, end: usize) -> Latencies {
        let end = end.min(self.samples.len());
        Latencies {
            samples: self
                .samples
                .get(start.min(end)..end)
                .unwrap_or_default()
                .to_vec(),
        }
    }

    /// The `q`-quantile (0.0–1.0) in milliseconds, nearest-rank; 0 without samples.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = (q * sorted.len() as f64).ceil() as usize;
        let index = rank.clamp(1, sorted.len()) - 1;
        sorted.get(index).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    }

    pub fn p50_ms(&self) -> f64 {
        self.quantile_ms(0.50)
    }

    pub fn p99_ms(&self) -> f64 {
        self.quantile_ms(0.99)
    }
}

/// The machine's 1-minute load average, sampled every 2 s while a run lasts: the machine is
/// shared, so every figure is reported with the load it was measured under.
pub struct LoadWatch {
    samples: Arc<Mutex<Vec<f64>>>,
    task: tokio::task::JoinHandle<()>,
}

impl LoadWatch {
    pub fn start() -> LoadWatch {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&samples);
        let task = tokio::spawn(async move {
            loop {
                let load = crate::server::load_average();
                writer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(load);
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        });
        LoadWatch { samples, task }
    }

    /// (mean, min, max) of the samples so far.
    pub fn summary(&self) -> (f64, f64, f64) {
        let samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
        if samples.is_empty() {
            return (0.0, 0.0, 0.0);
        }
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
        let max = samples.iter().copied().fold(0.0, f64::max);
        (mean, min, max)
    }
}

impl Drop for LoadWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `12345.6` → `"12,346"`: rates are read by people.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (n, c) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut l = Latencies::default();
        for ms in 1..=100 {
            l.push(Duration::from_millis(ms));
        }
        assert_eq!(l.p50_ms(), 50.0);
        assert_eq!(l.p99_ms(), 99.0);
        assert_eq!(l.quantile_ms(1.0), 100.0);
        assert_eq!(Latencies::default().p50_ms(), 0.0);
    }

    #[test]
    fn a_slice_keeps_measurement_order_and_clamps() {
        let mut l = Latencies::default();
        for ms in [5, 1, 9, 3] {
            l.push(Duration::from_millis(ms));
        }
        assert_eq!(l.slice(1, 3).p50_ms(), 1.0);
        assert_eq!(l.slice(1, 3).quantile_ms(1.0), 9.0);
        assert_eq!(l.slice(3, 10).len(), 1);
        assert_eq!(l.slice(7, 10).len(), 0);
    }

    #[test]
    fn thousands_are_separated_by_commas() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(1234567.0), "1,234,567");
    }
}
