//! Assembling a [`Leveling`] engine.

use std::sync::Arc;

use super::{Inner, Leveling};
use crate::{Clock, EventSink, GuildSettings, Progression, Result, Rules, Storage, SystemClock};

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
    default_settings: Option<GuildSettings>,
}

impl LevelingBuilder {
    pub(crate) fn new(store: Arc<dyn Storage>) -> Self {
        Self {
            store,
            rules: Rules::default(),
            progression: Progression::default(),
            clock: Arc::new(SystemClock),
            sinks: Vec::new(),
            default_settings: None,
        }
    }

    /// The XP rules (default: the seed's).
    pub fn rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }

    /// The settings of every guild without settings of its own (default:
    /// [`GuildSettings::from_rules`] of the [`rules`](Self::rules)); a server's
    /// `GUILD_DEFAULTS_FILE`, say. [`Error::InvalidInput`](crate::Error::InvalidInput)
    /// naming the field when they are not valid.
    ///
    /// ```
    /// # fn demo(store: impl leveling_core::Storage) -> leveling_core::Result<()> {
    /// use leveling_core::{GuildSettings, Leveling, Rules};
    ///
    /// let mut defaults = GuildSettings::from_rules(&Rules::default());
    /// defaults.rules.message.xp = 20;
    /// let leveling = Leveling::builder(store).default_settings(defaults)?.build();
    /// assert_eq!(leveling.default_settings().rules.message.xp, 20);
    /// # Ok(()) }
    /// ```
    pub fn default_settings(mut self, settings: GuildSettings) -> Result<Self> {
        settings.validate()?;
        self.default_settings = Some(settings);
        Ok(self)
    }

    /// The defaults the engine will have: those set with
    /// [`default_settings`](Self::default_settings), else those of the rules. An adapter
    /// that turns its own options into defaults starts from these.
    pub fn current_default_settings(&self) -> GuildSettings {
        self.default_settings
            .clone()
            .unwrap_or_else(|| GuildSettings::from_rules(&self.rules))
    }

    /// The progression the engine will have (set with [`progression`](Self::progression),
    /// else the seed's): an adapter that turns per-tier options into
    /// [`default_settings`](Self::default_settings) reads the tiers' levels here.
    pub fn current_progression(&self) -> &Progression {
        &self.progression
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
        let settings =
            super::settings::SettingsCache::new(&self.rules, self.current_default_settings());
        Leveling {
            inner: Arc::new(Inner {
                store: self.store,
                rules: self.rules,
                progression: self.progression,
                clock: self.clock,
                sinks: self.sinks,
                settings,
            }),
        }
    }
}
