//! Assembling a [`Leveling`] engine.

use std::sync::Arc;

use super::{Inner, Leveling};
use crate::{Clock, EventSink, Progression, Rules, Storage, SystemClock};

/// Builds a [`Leveling`]; start with [`Leveling::builder`].
///
/// ```
/// # fn demo(store: impl leveling_core::Storage) -> leveling_core::Result<()> {
/// use std::sync::Arc;
/// use leveling_core::{Leveling, LogSink, Mee6Curve, Progression, Rules, Tiers};
///
/// let leveling = Leveling::builder(store)
///     .rules(Rules { daily_bonus: 100, ..Rules::default() })
///     .progression(Progression::new(Arc::new(Mee6Curve), 200, Tiers::default())?)
///     .sink(LogSink)
///     .build();
/// # Ok(()) }
/// ```
pub struct LevelingBuilder {
    store: Arc<dyn Storage>,
    rules: Rules,
    progression: Progression,
    clock: Arc<dyn Clock>,
    sinks: Vec<Arc<dyn EventSink>>,
}

impl LevelingBuilder {
    pub(crate) fn new(store: Arc<dyn Storage>) -> Self {
        Self {
            store,
            rules: Rules::default(),
            progression: Progression::default(),
            clock: Arc::new(SystemClock),
            sinks: Vec::new(),
        }
    }

    /// The XP rules (default: the seed's).
    pub fn rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }

    /// Curve, level cap and tiers (default: the seed's).
    pub fn progression(mut self, progression: Progression) -> Self {
        self.progression = progression;
        self
    }

    /// The clock (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Adds an event sink; every sink gets every event.
    pub fn sink(mut self, sink: impl EventSink) -> Self {
        self.sinks.push(Arc::new(sink));
        self
    }

    /// Adds a shared event sink.
    pub fn shared_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    /// The engine.
    pub fn build(self) -> Leveling {
        Leveling {
            inner: Arc::new(Inner {
                store: self.store,
                rules: self.rules.clone(),
                progression: self.progression,
                clock: self.clock,
                sinks: self.sinks,
                settings: super::settings::SettingsCache::new(&self.rules),
            }),
        }
    }
}
