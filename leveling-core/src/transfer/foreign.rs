//! Other bots' exports: MEE6's leaderboard pages and plain `[{"id","xp"}]` lists.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::convert::{Keep, convert_keeping_level};
use crate::storage::{ImportMode, ImportRecord, MAX_XP};
use crate::{Mee6Curve, Progression, UserId};

/// The file formats `server import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// MEE6's leaderboard pages.
    Mee6,
    /// A plain `[{"id","xp"}]` list.
    Plain,
    /// Our own backup (JSON lines; see [`Line`](super::Line)).
    Leveling,
}

impl Format {
    /// `"mee6"`, `"plain"` or `"leveling"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Mee6 => "mee6",
            Format::Plain => "plain",
            Format::Leveling => "leveling",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of ours.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown import format {0:?}: expected mee6, plain or leveling")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mee6" => Ok(Format::Mee6),
            "plain" => Ok(Format::Plain),
            "leveling" => Ok(Format::Leveling),
            other => Err(UnknownFormat(other.to_owned())),
        }
    }
}

/// A file that cannot be imported, with where: `record 12: …` (the 1-based position
/// among the file's members) or `line 3: …`. Nothing of such a file is applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FileError(pub String);

/// One member read from another bot's file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForeignRecord {
    /// The 1-based position among the file's members, for messages.
    pub record: usize,
    /// Who.
    pub user: UserId,
    /// Their XP total in the other bot.
    pub xp: u64,
}

#[derive(Deserialize)]
struct Mee6Page<'a> {
    #[serde(borrow)]
    players: Vec<&'a RawValue>,
}

/// A player of a MEE6 page or an entry of a plain list: the fields we use (others,
/// such as `username` or `detailed_xp`, are ignored).
#[derive(Deserialize)]
struct Player {
    id: UserId,
    xp: u64,
}

/// Reads the members of a [`Format::Mee6`] or [`Format::Plain`] file.
///
/// MEE6: a page `{"players": […]}`, an array of pages, or pages one after another (as
/// saved from `…/api/plugins/levels/leaderboard/GUILD?page=N`). Plain: `[{"id", "xp"}]`.
/// Ids are strings or integers; `xp` is the total, a whole number.
///
/// ```
/// use leveling_core::transfer::{Format, parse_foreign};
///
/// let two_pages = br#"{"players":[{"id":"1","xp":5}]} {"players":[{"id":"2","xp":9}]}"#;
/// assert_eq!(parse_foreign(Format::Mee6, two_pages).unwrap().len(), 2);
/// let error = parse_foreign(Format::Plain, br#"[{"id":"1","xp":5},{"id":"2","xp":-1}]"#);
/// assert!(error.unwrap_err().to_string().starts_with("record 2:"));
/// ```
pub fn parse_foreign(format: Format, file: &[u8]) -> Result<Vec<ForeignRecord>, FileError> {
    let raw: Vec<&RawValue> = match format {
        Format::Mee6 => mee6_players(file)?,
        Format::Plain => serde_json::from_slice(file).map_err(|error| {
            FileError(format!(
                "not a plain list ([{{\"id\", \"xp\"}}, …]): {error}"
            ))
        })?,
        Format::Leveling => {
            return Err(FileError(
                "a leveling backup is JSON lines: read it line by line as transfer::Line".into(),
            ));
        }
    };
    raw.into_iter()
        .enumerate()
        .map(|(index, value)| {
            let record = index + 1;
            let player: Player = serde_json::from_str(value.get())
                .map_err(|error| FileError(format!("record {record}: {error}")))?;
            if player.xp > MAX_XP {
                return Err(FileError(format!(
                    "record {record}: xp {} is above the maximum {MAX_XP}",
                    player.xp
                )));
            }
            Ok(ForeignRecord {
                record,
                user: player.id,
                xp: player.xp,
            })
        })
        .collect()
}

fn mee6_players(file: &[u8]) -> Result<Vec<&RawValue>, FileError> {
    let first = file.iter().find(|byte| !byte.is_ascii_whitespace());
    let not_mee6 = |error: serde_json::Error| {
        FileError(format!(
            "not MEE6 leaderboard pages ({{\"players\": […]}}): {error}"
        ))
    };
    let pages: Vec<Mee6Page<'_>> = if first == Some(&b'[') {
        serde_json::from_slice(file).map_err(not_mee6)?
    } else {
        serde_json::Deserializer::from_slice(file)
            .into_iter::<Mee6Page<'_>>()
            .collect::<Result<_, _>>()
            .map_err(not_mee6)?
    };
    if pages.is_empty() {
        return Err(FileError("the file holds no MEE6 page".into()));
    }
    Ok(pages.into_iter().flat_map(|page| page.players).collect())
}

/// A record left out of an import, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Its 1-based position in the file.
    pub record: usize,
    /// Who.
    pub user: UserId,
    /// Why, for the summary ("0 XP", "repeats record 3").
    pub reason: String,
}

/// An import ready for the store: one record per user, converted to our curve.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prepared {
    /// What to write, in file order.
    pub records: Vec<ImportRecord>,
    /// What was left out.
    pub skipped: Vec<Skipped>,
}

/// Converts another bot's records for [`XpImport`](crate::storage::XpImport): XP per
/// `keep`, a user repeated with the same XP skipped (pages saved at overlapping
/// times), 0 XP skipped when adding. A user repeated with different XP is an error: the
/// file does not say which is right.
pub fn prepare(
    records: Vec<ForeignRecord>,
    mode: ImportMode,
    keep: Keep,
    progression: &Progression,
) -> Result<Prepared, FileError> {
    let mut prepared = Prepared::default();
    let mut first: HashMap<UserId, (usize, u64)> = HashMap::with_capacity(records.len());
    for record in records {
        if let Some(&(at, xp)) = first.get(&record.user) {
            if xp != record.xp {
                return Err(FileError(format!(
                    "record {}: user {} appears again with {} XP (record {at} has {xp})",
                    record.record, record.user, record.xp
                )));
            }
            prepared.skipped.push(Skipped {
                record: record.record,
                user: record.user,
                reason: format!("repeats record {at}"),
            });
            continue;
        }
        first.insert(record.user, (record.record, record.xp));
        if record.xp == 0 && mode == ImportMode::Add {
            prepared.skipped.push(Skipped {
                record: record.record,
                user: record.user,
                reason: "0 XP".into(),
            });
            continue;
        }
        let xp = match keep {
            Keep::Levels => convert_keeping_level(record.xp, &Mee6Curve, progression),
            Keep::Xp => record.xp,
        };
        prepared.records.push(ImportRecord {
            user: record.user,
            xp: xp.min(MAX_XP),
        });
    }
    Ok(prepared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mee6_reads_one_page_an_array_of_pages_or_pages_in_a_row() {
        let page = |ids: &[u64]| {
            let players: Vec<String> = ids
                .iter()
                .map(|id| format!(r#"{{"id":"{id}","level":1,"xp":{},"username":"u{id}","detailed_xp":[1,2,3]}}"#, id * 100))
                .collect();
            format!(
                r#"{{"page":0,"players":[{}],"guild":{{"id":"1"}}}}"#,
                players.join(",")
            )
        };
        let one = page(&[1, 2]);
        let array = format!("[{},{}]", page(&[1]), page(&[2]));
        let stream = format!("{}\n{}\n", page(&[1]), page(&[2]));
        for file in [one, array, stream] {
            let records = parse_foreign(Format::Mee6, file.as_bytes()).unwrap();
            let users: Vec<_> = records.iter().map(|r| (r.record, r.user.0, r.xp)).collect();
            assert_eq!(users, vec![(1, 1, 100), (2, 2, 200)], "{file}");
        }
    }

    #[test]
    fn bad_files_name_the_record() {
        let cases: [(Format, &str, &str); 5] = [
            (
                Format::Plain,
                r#"[{"id":"1","xp":5},{"id":"x","xp":1}]"#,
                "record 2:",
            ),
            (
                Format::Plain,
                r#"[{"id":"1"}]"#,
                "record 1: missing field `xp`",
            ),
            (Format::Plain, r#"{"players":[]}"#, "not a plain list"),
            (Format::Mee6, r#"[{"id":"1","xp":5}]"#, "not MEE6"),
            (
                Format::Mee6,
                r#"{"players":[{"id":"1","xp":9223372036854775808}]}"#,
                "record 1: xp 9223372036854775808 is above",
            ),
        ];
        for (format, file, expected) in cases {
            let error = parse_foreign(format, file.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(error.starts_with(expected), "{file}: {error}");
        }
        assert!(parse_foreign(Format::Mee6, b"  ").is_err());
    }

    fn records(list: &[(u64, u64)]) -> Vec<ForeignRecord> {
        list.iter()
            .enumerate()
            .map(|(i, &(user, xp))| ForeignRecord {
                record: i + 1,
                user: UserId(user),
                xp,
            })
            .collect()
    }

    #[test]
    fn prepare_skips_repeats_and_zero_when_adding_and_refuses_conflicts() {
        let ours = Progression::default();
        let prepared = prepare(
            records(&[(1, 100), (2, 0), (1, 100)]),
            ImportMode::Add,
            Keep::Xp,
            &ours,
        )
        .unwrap();
        assert_eq!(
            prepared.records,
            vec![ImportRecord {
                user: UserId(1),
                xp: 100
            }]
        );
        let reasons: Vec<_> = prepared
            .skipped
            .iter()
            .map(|s| (s.record, s.reason.as_str()))
            .collect();
        assert_eq!(reasons, vec![(2, "0 XP"), (3, "repeats record 1")]);
        // Replacing with 0 is a real change (a reset), not a skip.
        let replace = prepare(records(&[(2, 0)]), ImportMode::Replace, Keep::Xp, &ours).unwrap();
        assert_eq!(replace.records.len(), 1);
        let conflict = prepare(
            records(&[(1, 100), (1, 5)]),
            ImportMode::Add,
            Keep::Xp,
            &ours,
        );
        assert_eq!(
            conflict.unwrap_err().to_string(),
            "record 2: user 1 appears again with 5 XP (record 1 has 100)"
        );
    }

    #[test]
    fn keep_levels_converts_from_mee6() {
        let ours = Progression::default();
        // The first XP of MEE6's level 5 is the first XP of ours.
        let level_five = crate::LevelCurve::xp_for_level(&Mee6Curve, 5);
        let prepared = prepare(
            records(&[(1, level_five)]),
            ImportMode::Replace,
            Keep::Levels,
            &ours,
        )
        .unwrap();
        assert_eq!(prepared.records[0].xp, ours.xp_for_level(5));
        assert_eq!(ours.level(prepared.records[0].xp), 5);
    }
}
