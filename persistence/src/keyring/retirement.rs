//! Which epochs' keys may be destroyed (ADR 0043).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One epoch as the operator sees it (never its key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EpochStatus {
    /// The epoch's number (1, 2, …).
    pub epoch: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When every tenant key had been moved under it (a rotation finished).
    pub completed_at: Option<DateTime<Utc>>,
    /// When its key was destroyed.
    pub destroyed_at: Option<DateTime<Utc>>,
}

/// An epoch whose key is kept, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeptEpoch {
    /// The epoch.
    pub epoch: i32,
    /// The earliest moment it may be destroyed, when that is known now.
    pub until: Option<DateTime<Utc>>,
    /// Why it is kept.
    pub reason: &'static str,
}

/// Which epochs' keys may be destroyed at `now`: an epoch no tenant key names any more, once a
/// later rotation finished at least `window` (the backup-retention window) ago — every backup
/// that could still name it is then due for deletion.
#[must_use]
pub fn plan_retirement(
    epochs: &[EpochStatus],
    in_use: &std::collections::BTreeSet<i32>,
    now: DateTime<Utc>,
    window: chrono::Duration,
) -> (Vec<i32>, Vec<KeptEpoch>) {
    let mut destroy = Vec::new();
    let mut kept = Vec::new();
    for e in epochs.iter().filter(|e| e.destroyed_at.is_none()) {
        let superseded = epochs
            .iter()
            .filter(|later| later.epoch > e.epoch)
            .filter_map(|later| later.completed_at)
            .min();
        let keep = |until, reason| KeptEpoch {
            epoch: e.epoch,
            until,
            reason,
        };
        if in_use.contains(&e.epoch) {
            kept.push(keep(None, "a tenant key is wrapped under it"));
        } else if let Some(superseded) = superseded {
            let until = superseded + window;
            if until <= now {
                destroy.push(e.epoch);
            } else {
                kept.push(keep(
                    Some(until),
                    "a backup taken before the next rotation finished may still be kept",
                ));
            }
        } else {
            kept.push(keep(None, "no later rotation has finished"));
        }
    }
    (destroy, kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_is_destroyed_only_once_the_next_rotation_is_older_than_the_window() {
        let now = Utc::now();
        let day = chrono::Duration::days(1);
        let window = day * 30;
        let epoch = |epoch, completed: Option<DateTime<Utc>>| EpochStatus {
            epoch,
            created_at: now - day * 100,
            completed_at: completed,
            destroyed_at: None,
        };
        let none = std::collections::BTreeSet::new();
        // Epoch 2 finished exactly one window ago: epoch 1 goes; a second later it stays.
        let at_limit = [epoch(1, Some(now - day * 90)), epoch(2, Some(now - window))];
        let (destroy, kept) = plan_retirement(&at_limit, &none, now, window);
        assert_eq!(destroy, vec![1]);
        assert_eq!(kept.len(), 1, "the newest epoch is always kept");
        let inside = [
            epoch(1, Some(now - day * 90)),
            epoch(2, Some(now - window + chrono::Duration::seconds(1))),
        ];
        let (destroy, kept) = plan_retirement(&inside, &none, now, window);
        assert!(destroy.is_empty());
        assert_eq!(
            kept[0].until,
            Some(now + chrono::Duration::seconds(1)),
            "kept until one window after the rotation finished"
        );
        // Still named by a tenant key, or no later rotation finished: kept.
        let in_use = std::collections::BTreeSet::from([1]);
        assert!(
            plan_retirement(&at_limit, &in_use, now, window)
                .0
                .is_empty()
        );
        let unfinished = [epoch(1, Some(now - day * 90)), epoch(2, None)];
        assert!(
            plan_retirement(&unfinished, &none, now, window)
                .0
                .is_empty()
        );
    }
}
