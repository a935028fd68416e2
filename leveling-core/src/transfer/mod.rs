//! Files in and out: other bots' exports, our own backup format, and how XP converts
//! between level curves. Pure: parsing takes bytes, the caller reads the file.
//!
//! | format | what | read by |
//! |---|---|---|
//! | [`Format::Mee6`] | MEE6 leaderboard pages: `{"players":[{"id","level","xp",…}]}`, one page, an array of pages, or pages one after another | [`parse_foreign`] |
//! | [`Format::Plain`] | `[{"id","xp"}]`, what other bots' exporters write | [`parse_foreign`] |
//! | [`Format::Leveling`] | our backup: JSON lines, a versioned [`Header`] then one [`Line`] per user, member, guild's settings | [`Line`] |
//!
//! ```
//! use leveling_core::transfer::{Format, Keep, parse_foreign, prepare};
//! use leveling_core::storage::ImportMode;
//! use leveling_core::Progression;
//!
//! let file = br#"{"players":[{"id":"42","level":2,"xp":300},{"id":"7","level":0,"xp":0}]}"#;
//! let records = parse_foreign(Format::Mee6, file).unwrap();
//! let prepared = prepare(records, ImportMode::Replace, Keep::Levels, &Progression::default()).unwrap();
//! // MEE6 level 2 (255 XP) + 45 of its 220 to level 3 → our level 2 (500 XP) + the same fraction.
//! assert_eq!(prepared.records[0].xp, 500 + 45 * 550 / 220);
//! assert_eq!(prepared.skipped.len(), 0);
//! ```

mod backup;
mod convert;
mod foreign;

pub use backup::{FORMAT_NAME, FORMAT_VERSION, Header, Line};
pub use convert::{Keep, convert_keeping_level};
pub use foreign::{
    FileError, ForeignRecord, Format, Prepared, Skipped, UnknownFormat, parse_foreign, prepare,
};
