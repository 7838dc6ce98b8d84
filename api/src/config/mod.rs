//! Typed configuration from defaults, an optional TOML file and `PEERBRO_*` environment
//! variables (later sources win). A bad value stops start-up with a message that names the
//! variable it came from.

mod load;
mod settings;
#[cfg(test)]
mod tests;

pub use settings::*;
