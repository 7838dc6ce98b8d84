//! Reports a municipality can publish (issue 12): fixed reports per tenant and period, every
//! count table through disclosure control.

pub mod disclosure;
mod linear;
pub mod national;
pub mod period;
pub mod report;
pub mod service;
pub mod tally;

pub use disclosure::{Cell, DEFAULT_THRESHOLD, MIN_THRESHOLD, Published, recoverable, suppress};
pub use national::{NationalReport, NationalReports};
pub use period::{Granularity, Period};
pub use report::{Count, Report, Statistic, Table, quantile};
pub use service::{ReportService, ReportSource, ReportStep};
pub use tally::{REFERRAL_STATUSES, ReportCounts, Tally};
