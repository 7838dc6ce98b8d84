//! The progress bar the operator's long commands (`retention run`, `keys rotate`) show on the
//! terminal: one step per tenant, named by its slug only.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of tenants done out of due.
#[derive(Debug)]
pub struct Progress(ProgressBar);

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress {
    /// An empty bar, drawn on standard error.
    #[must_use]
    pub fn new() -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Self(bar)
    }

    /// `done` of `due` tenants, working on `tenant`.
    pub fn step(&self, tenant: &str, done: u64, due: u64) {
        self.0.set_length(due);
        self.0.set_position(done);
        self.0.set_message(tenant.to_owned());
    }

    /// Clears the bar before the report is printed.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}
