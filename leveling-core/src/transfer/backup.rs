//! Our own backup format: JSON lines, streamed in and out.
//!
//! ```text
//! {"type":"header","format":"leveling-backup","version":1,"exported_at":"2026-12-01T12:00:00Z","guild":null}
//! {"type":"settings","guild":"1","settings":{…}}
//! {"type":"tool","id":"chat-export","name":"Chat export",…}
//! {"type":"member","member":{"id":{"guild":"1","user":"42"},"xp":1200,…},"history":[…],"unlocks":[…]}
//! {"type":"user","id":"42","username":"ada",…}
//! ```
//!
//! The header comes first; then every guild's own settings, the tool catalog, every
//! member (with their history, oldest first, and their unlocks), every profile. Versions only grow: a reader
//! refuses a version newer than its own and reads every older one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::FileError;
use crate::storage::MemberRecord;
use crate::{GuildId, GuildSettings, Tool, UserProfile};

/// The `format` of a backup's header.
pub const FORMAT_NAME: &str = "leveling-backup";

/// The version this crate writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;

/// A backup's first line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// The format's version, [`FORMAT_VERSION`] when written by this crate.
    pub version: u32,
    /// When the export started.
    pub exported_at: DateTime<Utc>,
    /// The one guild exported, or `None` for the whole store.
    pub guild: Option<GuildId>,
}

impl Header {
    /// The header of a backup written now by this crate.
    pub fn new(exported_at: DateTime<Utc>, guild: Option<GuildId>) -> Self {
        Self {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            exported_at,
            guild,
        }
    }
}

/// One line of a backup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // lines are read one at a time
pub enum Line {
    /// The first line.
    Header(Header),
    /// A guild's own settings (guilds on the defaults have none).
    Settings {
        /// The guild.
        guild: GuildId,
        /// Its settings.
        settings: GuildSettings,
    },
    /// A tool of the catalog (unlocks name them, so they come before the members).
    Tool(Tool),
    /// A profile.
    User(UserProfile),
    /// A member with their history and unlocks.
    Member(MemberRecord),
}

impl Line {
    /// Reads line `number` (1-based) of a backup; the first must be a header this crate
    /// reads.
    ///
    /// ```
    /// use leveling_core::transfer::{Header, Line};
    ///
    /// let header = serde_json::to_string(&Line::Header(Header::new(chrono::Utc::now(), None))).unwrap();
    /// assert!(matches!(Line::parse(1, &header), Ok(Line::Header(_))));
    /// assert_eq!(
    ///     Line::parse(1, r#"{"type":"user"}"#).unwrap_err().to_string(),
    ///     "line 1: not a leveling backup (it must start with its header line)"
    /// );
    /// ```
    pub fn parse(number: usize, text: &str) -> Result<Line, FileError> {
        let line: Line = serde_json::from_str(text).map_err(|error| {
            if number == 1 {
                FileError(
                    "line 1: not a leveling backup (it must start with its header line)".into(),
                )
            } else {
                FileError(format!("line {number}: {error}"))
            }
        })?;
        match (&line, number) {
            (Line::Header(header), 1) => {
                if header.format != FORMAT_NAME {
                    return Err(FileError(format!(
                        "line 1: format {:?} is not {FORMAT_NAME:?}",
                        header.format
                    )));
                }
                if header.version > FORMAT_VERSION || header.version == 0 {
                    return Err(FileError(format!(
                        "line 1: backup version {} is not one this version reads (1 to {FORMAT_VERSION}); upgrade the server",
                        header.version
                    )));
                }
            }
            (Line::Header(_), _) => {
                return Err(FileError(format!(
                    "line {number}: a second header (two backups pasted together?)"
                )));
            }
            (_, 1) => {
                return Err(FileError(
                    "line 1: not a leveling backup (it must start with its header line)".into(),
                ));
            }
            _ => {}
        }
        Ok(line)
    }
}
