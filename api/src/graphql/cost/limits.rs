//! The limits a document is held to, the weights of its cost, and the figures measured.

/// What one read of personal data weighs, against 1 for any other field.
pub const PERSONAL_WEIGHT: u64 = 50;
/// How many items an unpaged list is assumed to hold.
pub const LIST_ESTIMATE: u64 = 10;
/// Fields that read personal data without stating a purpose (own records, a peer's match).
pub(super) const PERSONAL_WITHOUT_PURPOSE: [&str; 3] =
    ["matchCitizen", "myCitizen", "myPeerProfile"];
/// Fragment definitions a document may hold.
pub const MAX_FRAGMENTS: usize = 100;

/// The limits a document must stay within.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CostLimits {
    /// Deepest field nesting.
    pub depth: u64,
    /// Fields in the expanded document.
    pub nodes: u64,
    /// Aliased fields in the expanded document.
    pub aliases: u64,
    /// Fragment spreads in the expanded document.
    pub spreads: u64,
    /// Weighted cost.
    pub cost: u64,
}

impl CostLimits {
    /// No limits (exporting the schema).
    #[must_use]
    pub const fn unlimited() -> Self {
        Self {
            depth: u64::MAX,
            nodes: u64::MAX,
            aliases: u64::MAX,
            spreads: u64::MAX,
            cost: u64::MAX,
        }
    }
}

/// The figures of a document (of its most expensive operation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Deepest field nesting.
    pub depth: u64,
    /// Fields, expanded.
    pub nodes: u64,
    /// Aliases, expanded.
    pub aliases: u64,
    /// Fragment spreads, expanded.
    pub spreads: u64,
    /// Weighted cost.
    pub cost: u64,
}

impl Cost {
    pub(super) fn add(&mut self, other: &Self) {
        self.depth = self.depth.max(other.depth);
        self.nodes = self.nodes.saturating_add(other.nodes);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.spreads = self.spreads.saturating_add(other.spreads);
        self.cost = self.cost.saturating_add(other.cost);
    }

    pub(super) fn max(&mut self, other: &Self) {
        self.depth = self.depth.max(other.depth);
        self.nodes = self.nodes.max(other.nodes);
        self.aliases = self.aliases.max(other.aliases);
        self.spreads = self.spreads.max(other.spreads);
        self.cost = self.cost.max(other.cost);
    }

    /// The first limit this cost exceeds: (setting, figure, limit).
    #[must_use]
    pub fn exceeds(&self, limits: &CostLimits) -> Option<(&'static str, u64, u64)> {
        [
            ("depth", self.depth, limits.depth),
            ("fields", self.nodes, limits.nodes),
            ("aliases", self.aliases, limits.aliases),
            ("fragment spreads", self.spreads, limits.spreads),
            ("cost", self.cost, limits.cost),
        ]
        .into_iter()
        .find(|(_, figure, limit)| figure > limit)
    }
}
