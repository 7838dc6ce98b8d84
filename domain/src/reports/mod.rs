//! Reports a municipality can publish (issue 12): fixed reports per tenant and period, every
//! count table through disclosure control.

pub mod disclosure;
mod linear;
pub mod period;
pub mod report;
pub mod service;

pub use disclosure::{Cell, DEFAULT_THRESHOLD, MIN_THRESHOLD, Published, recoverable, suppress};
pub use period::{Granularity, Period};
pub use report::{Count, Report, ReportCounts, Statistic, Table, quantile};
pub use service::{ReportService, ReportSource, ReportStep};
