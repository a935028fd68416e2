//! One batch of writes inside the writer's transaction: what each write is, and how a
//! batch loads its members, applies the rules in order and writes the result back with
//! a handful of statements, whatever its size.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use leveling_core::storage::{
    AdjustRequest, Adjusted, AwardOutcome, AwardRequest, Forgotten, Granted, Imported, Restore,
    SettingsWrite, StoredAward, StoredSettings, XpImport,
};
use leveling_core::{
    Day, Error, GuildSettings, MemberId, NewUser, Result, Streak, Tool, ToolId, UnlockReason,
    UserId, UserPatch, UserProfile,
};
use serde_json::{Value, json};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::codec::{bucket, dec, enc, group, micros, time, xp_i64, xp_u64};
use crate::rules::{HistoryRow, State};
use crate::sql;

/// A write for the writer.
#[derive(Debug)]
pub(crate) enum Op {
    Award(AwardRequest),
    Adjust(AdjustRequest),
    UpsertUser(NewUser, DateTime<Utc>),
    UpdateUser(UserId, UserPatch, DateTime<Utc>),
    CreateTool(Tool),
    RecordUnlock(MemberId, ToolId, UnlockReason, DateTime<Utc>),
    /// Boxed: settings are large and rare, an award is small and frequent.
    SaveSettings(Box<SettingsWrite>),
    /// An import batch, validated by the caller (nothing in it can be refused).
    Import(XpImport),
    /// A backup batch, validated by the caller; boxed as [`Op::SaveSettings`].
    Restore(Box<Restore>),
    /// Everything about a user.
    Forget(UserId),
}

/// What a write came to.
#[derive(Debug)]
pub(crate) enum Done {
    Award(StoredAward),
    Adjusted(Adjusted),
    Upserted(UserProfile, bool),
    Updated(Option<UserProfile>),
    Created,
    Unlocked(bool),
    /// Boxed, as [`Op::SaveSettings`].
    Settings(Box<StoredSettings>),
    Imported(Vec<Imported>),
    Restored,
    Forgotten(Forgotten),
}

/// Runs `ops` in order as one transaction on `conn`: `BEGIN IMMEDIATE` … `COMMIT`. An
/// `Err` in the vector is that write's own refusal (a taken tool id, a stale settings
/// version); an `Err` outside means a statement failed: the caller rolls back (the
/// transaction may still be open).
pub(crate) async fn transaction(
    conn: &mut SqliteConnection,
    ops: &[&Op],
    window: i64,
) -> std::result::Result<Vec<Result<Done>>, sqlx::Error> {
    // Imports change members as awards do: they share the batch's one load and one save.
    let is_member = |op: &&Op| matches!(op, Op::Award(_) | Op::Adjust(_) | Op::Import(_));
    let others = ops.iter().any(|op| !is_member(op));
    let mut results: Vec<Option<Result<Done>>> = ops.iter().map(|_| None).collect();
    if ops.iter().any(is_member) {
        // Opens the transaction; commits too when nothing else follows.
        members(conn, ops, &mut results, window, !others).await?;
    } else {
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    }
    if others {
        for (op, result) in ops.iter().zip(results.iter_mut()) {
            if result.is_none() {
                *result = Some(other(conn, op).await?);
            }
        }
        sqlx::query("COMMIT").execute(&mut *conn).await?;
    }
    Ok(results.into_iter().flatten().collect())
}

/// The awards and admin changes of the batch; `window` is the idempotency window (µs).
async fn members(
    conn: &mut SqliteConnection,
    ops: &[&Op],
    results: &mut [Option<Result<Done>>],
    window: i64,
    commit: bool,
) -> std::result::Result<(), sqlx::Error> {
    let mut ids: Vec<MemberId> = Vec::new();
    let mut keyed: Vec<(MemberId, &str)> = Vec::new();
    for op in ops {
        match op {
            Op::Award(request) => {
                ids.push(request.member);
                if let Some(key) = &request.idempotency_key {
                    keyed.push((request.member, key));
                }
            }
            Op::Adjust(request) => ids.push(request.member),
            Op::Import(batch) => ids.extend(
                batch
                    .records
                    .iter()
                    .map(|record| MemberId::new(batch.guild, record.user)),
            ),
            _ => {}
        }
    }
    let (mut states, mut keys) = begin_and_load(conn, &ids, &keyed).await?;
    // The newest keyed award's time: keys older than a window before it are purged.
    let mut latest: Option<i64> = None;
    let mut history = Vec::new();
    let mut new_keys: Vec<(MemberId, String, Granted, i64)> = Vec::new();
    for (op, result) in ops.iter().zip(results.iter_mut()) {
        match op {
            Op::Award(request) => {
                let id = request.member;
                let now = micros(request.now);
                if let Some(key) = &request.idempotency_key
                    && let Some((granted, at)) = keys.get(&(id, key.clone()))
                    && now.saturating_sub(*at) < window
                {
                    *result = Some(Ok(Done::Award(StoredAward {
                        outcome: AwardOutcome::Granted(granted.clone()),
                        replayed: true,
                    })));
                    continue;
                }
                let state = states
                    .entry(id)
                    .or_insert_with(|| State::new(micros(request.now)));
                let stored = state.award(id, request, &mut history);
                if let (AwardOutcome::Granted(granted), Some(key)) =
                    (&stored.outcome, &request.idempotency_key)
                {
                    keys.insert((id, key.clone()), (granted.clone(), now));
                    new_keys.push((id, key.clone(), granted.clone(), now));
                    latest = latest.max(Some(now));
                }
                *result = Some(Ok(Done::Award(stored)));
            }
            Op::Adjust(request) => {
                let id = request.member;
                let state = states
                    .entry(id)
                    .or_insert_with(|| State::new(micros(request.now)));
                *result = Some(Ok(Done::Adjusted(state.adjust(id, request, &mut history))));
            }
            Op::Import(batch) => {
                let now = micros(batch.now);
                let imported = batch
                    .records
                    .iter()
                    .map(|record| {
                        let id = MemberId::new(batch.guild, record.user);
                        let state = states.entry(id).or_insert_with(|| State::new(now));
                        state.import(id, batch, record, &mut history)
                    })
                    .collect();
                *result = Some(Ok(Done::Imported(imported)));
            }
            _ => {}
        }
    }
    let cutoff = latest.map(|now| now.saturating_sub(window));
    save(conn, &states, &history, &new_keys, cutoff, commit).await
}

/// Keys by (member, key): the grant and when it was made (µs).
type Keys = HashMap<(MemberId, String), (Granted, i64)>;

/// `BEGIN IMMEDIATE` and the batch's members and keys, in one round trip.
async fn begin_and_load(
    conn: &mut SqliteConnection,
    ids: &[MemberId],
    keyed: &[(MemberId, &str)],
) -> std::result::Result<(HashMap<MemberId, State>, Keys), sqlx::Error> {
    let unique: HashSet<MemberId> = ids.iter().copied().collect();
    let wanted: Vec<Value> = unique
        .iter()
        .map(|id| json!([enc(id.guild.0), enc(id.user.0)]))
        .collect();
    let asked: Vec<Value> = keyed
        .iter()
        .map(|(id, key)| json!([enc(id.guild.0), enc(id.user.0), key]))
        .collect();
    let rows = sqlx::query(sql::BEGIN_AND_LOAD)
        .bind(Value::Array(wanted).to_string())
        .bind(Value::Array(asked).to_string())
        .fetch_all(&mut *conn)
        .await?;
    let mut states = HashMap::with_capacity(unique.len());
    let mut keys = HashMap::new();
    for row in rows {
        let id = MemberId::new(dec(row.try_get("guild")?), dec(row.try_get("user_id")?));
        if row.len() == 5 {
            let outcome: String = row.try_get("outcome")?;
            let granted: Granted =
                serde_json::from_str(&outcome).map_err(|_| corrupt("idempotency key outcome"))?;
            keys.insert(
                (id, row.try_get("key")?),
                (granted, row.try_get("created_at")?),
            );
        } else {
            states.insert(id, state(&row)?);
        }
    }
    Ok((states, keys))
}

fn corrupt(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("the database holds a malformed {what}").into())
}

fn state(row: &SqliteRow) -> std::result::Result<State, sqlx::Error> {
    let cooldowns: String = row.try_get("cooldowns")?;
    let streak_days: i64 = row.try_get("streak_days")?;
    let streak_day: Option<i64> = row.try_get("streak_day")?;
    Ok(State {
        xp: xp_u64(row.try_get("xp")?).map_err(|_| corrupt("XP total"))?,
        reached_at: row.try_get("xp_reached_at")?,
        streak: Streak {
            last_claim: streak_day.map(Day),
            days: u32::try_from(streak_days).unwrap_or(u32::MAX),
        },
        cooldowns: serde_json::from_str::<BTreeMap<String, i64>>(&cooldowns)
            .map_err(|_| corrupt("cooldown list"))?,
        stored_bucket: Some(row.try_get("bucket")?),
        dirty: false,
    })
}

/// Writes the batch back — changed members, history rows, keys and bucket moves — in one
/// round trip, committing when `commit`.
async fn save(
    conn: &mut SqliteConnection,
    states: &HashMap<MemberId, State>,
    history: &[HistoryRow],
    new_keys: &[(MemberId, String, Granted, i64)],
    cutoff: Option<i64>,
    commit: bool,
) -> std::result::Result<(), sqlx::Error> {
    let mut members = Vec::new();
    let mut buckets: HashMap<(i64, i64), i64> = HashMap::new();
    let mut groups: HashMap<(i64, i64), i64> = HashMap::new();
    for (id, state) in states.iter().filter(|(_, state)| state.dirty) {
        let guild = enc(id.guild.0);
        let now = bucket(state.xp);
        if state.stored_bucket != Some(now) {
            *buckets.entry((guild, now)).or_default() += 1;
            *groups.entry((guild, group(now))).or_default() += 1;
            if let Some(before) = state.stored_bucket {
                *buckets.entry((guild, before)).or_default() -= 1;
                *groups.entry((guild, group(before))).or_default() -= 1;
            }
        }
        let cooldowns = serde_json::to_string(&state.cooldowns).unwrap_or_else(|_| "{}".into());
        members.push(json!([
            guild,
            enc(id.user.0),
            xp_i64(state.xp),
            state.reached_at,
            state.streak.last_claim.map(|day| day.0),
            i64::from(state.streak.days),
            cooldowns,
            now,
        ]));
    }
    let history: Vec<Value> = history
        .iter()
        .map(|h| {
            json!([
                enc(h.member.guild.0),
                enc(h.member.user.0),
                h.amount,
                h.source.as_str(),
                xp_i64(h.xp_before),
                xp_i64(h.xp_after),
                h.actor.map(|actor| enc(actor.0)),
                h.reason,
                h.at,
            ])
        })
        .collect();
    let mut keys = Vec::with_capacity(new_keys.len());
    for (id, key, granted, at) in new_keys {
        let outcome = serde_json::to_string(granted)
            .map_err(|_| sqlx::Error::Encode("an award outcome".into()))?;
        keys.push(json!([enc(id.guild.0), enc(id.user.0), key, outcome, at]));
    }
    sqlx::query(if commit {
        sql::SAVE_AND_COMMIT
    } else {
        sql::SAVE
    })
    .bind(Value::Array(members).to_string())
    .bind(Value::Array(history).to_string())
    .bind(Value::Array(keys).to_string())
    .bind(cutoff)
    .bind(moves_json(buckets))
    .bind(moves_json(groups))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) fn user_profile(row: &SqliteRow) -> Result<UserProfile> {
    let context = crate::error::decode("reading a user");
    Ok(UserProfile {
        id: UserId(dec(row.try_get("id").map_err(&context)?)),
        username: row.try_get("username").map_err(&context)?,
        display_name: row.try_get("display_name").map_err(&context)?,
        avatar_url: row.try_get("avatar_url").map_err(&context)?,
        leaderboard_hidden: row.try_get("leaderboard_hidden").map_err(&context)?,
        created_at: time(row.try_get("created_at").map_err(&context)?)?,
        updated_at: time(row.try_get("updated_at").map_err(&context)?)?,
    })
}

/// The writes that are not awards: one or two statements each.
async fn other(
    conn: &mut SqliteConnection,
    op: &Op,
) -> std::result::Result<Result<Done>, sqlx::Error> {
    Ok(match op {
        Op::UpsertUser(user, now) => {
            let existed = sqlx::query(sql::USER_EXISTS)
                .bind(enc(user.id.0))
                .fetch_optional(&mut *conn)
                .await?
                .is_some();
            let row = sqlx::query(sql::UPSERT_USER)
                .bind(enc(user.id.0))
                .bind(&user.username)
                .bind(user.display_name.as_deref())
                .bind(user.avatar_url.as_deref())
                .bind(micros(*now))
                .fetch_one(&mut *conn)
                .await?;
            user_profile(&row).map(|profile| Done::Upserted(profile, !existed))
        }
        Op::UpdateUser(id, patch, now) => {
            let row = sqlx::query(sql::UPDATE_USER)
                .bind(enc(id.0))
                .bind(patch.username.as_deref())
                .bind(patch.display_name.is_some())
                .bind(patch.display_name.clone().flatten())
                .bind(patch.avatar_url.is_some())
                .bind(patch.avatar_url.clone().flatten())
                .bind(micros(*now))
                .bind(patch.leaderboard_hidden)
                .fetch_optional(&mut *conn)
                .await?;
            row.as_ref()
                .map(user_profile)
                .transpose()
                .map(Done::Updated)
        }
        Op::CreateTool(tool) => {
            let inserted = sqlx::query(sql::CREATE_TOOL)
                .bind(tool.id.as_str())
                .bind(&tool.name)
                .bind(&tool.description)
                .bind(&tool.tier)
                .bind(i64::from(tool.required_level))
                .bind(tool.url.as_deref())
                .fetch_optional(&mut *conn)
                .await?;
            match inserted {
                Some(_) => Ok(Done::Created),
                None => Err(Error::Conflict(format!("tool {} already exists", tool.id))),
            }
        }
        Op::RecordUnlock(id, tool, reason, at) => {
            let known = sqlx::query(sql::TOOL_EXISTS)
                .bind(tool.as_str())
                .fetch_optional(&mut *conn)
                .await?
                .is_some();
            if !known {
                return Ok(Err(Error::NotFound(format!("tool {tool}"))));
            }
            let inserted = sqlx::query(sql::RECORD_UNLOCK)
                .bind(enc(id.guild.0))
                .bind(enc(id.user.0))
                .bind(tool.as_str())
                .bind(reason.as_str())
                .bind(micros(*at))
                .fetch_optional(&mut *conn)
                .await?;
            Ok(Done::Unlocked(inserted.is_some()))
        }
        Op::SaveSettings(write) => save_settings(conn, write).await?,
        Op::Restore(batch) => restore(conn, batch).await?,
        Op::Forget(user) => Ok(Done::Forgotten(forget(conn, *user).await?)),
        Op::Award(_) | Op::Adjust(_) | Op::Import(_) => unreachable_write(),
    })
}

/// A guild's settings write: refused (`Conflict`, nothing written) unless the row is
/// still at `write.expected`; otherwise the row under the next store-wide version and its
/// audit entry. A refusal is this write's own result: the batch goes on.
async fn save_settings(
    conn: &mut SqliteConnection,
    write: &SettingsWrite,
) -> std::result::Result<Result<Done>, sqlx::Error> {
    let guild = enc(write.guild.0);
    let current: Option<i64> = sqlx::query_scalar(sql::SETTINGS_VERSION)
        .bind(guild)
        .fetch_optional(&mut *conn)
        .await?;
    if current.map(version) != write.expected {
        return Ok(Err(Error::Conflict(format!(
            "the settings of guild {} changed meanwhile",
            write.guild
        ))));
    }
    // Encoded before anything is written: a failure is this write's alone.
    let encoded = (|| {
        Ok::<_, Error>((
            write.settings.as_ref().map(settings_json).transpose()?,
            settings_json(&write.before)?,
            settings_json(&write.after)?,
            time(micros(write.now))?,
        ))
    })();
    let (settings, before, after, updated_at) = match encoded {
        Ok(encoded) => encoded,
        Err(error) => return Ok(Err(error)),
    };
    let now = micros(updated_at);
    // The version is max(version) + 1, computed by the statement: the one writer (and
    // the file's write lock it holds) serializes every settings write, so versions follow
    // commit order and a reader that saw version v never sees a lower one commit later.
    let new: i64 = sqlx::query_scalar(sql::SAVE_SETTINGS)
        .bind(guild)
        .bind(settings)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(sql::AUDIT_SETTINGS)
        .bind(guild)
        .bind(write.actor.map(|actor| enc(actor.0)))
        .bind(now)
        .bind(before)
        .bind(after)
        .execute(&mut *conn)
        .await?;
    Ok(Ok(Done::Settings(Box::new(StoredSettings {
        guild: write.guild,
        settings: write.settings.clone(),
        updated_at,
        version: version(new),
    }))))
}

/// A stored settings version back (the table checks `version > 0`).
pub(crate) fn version(stored: i64) -> u64 {
    u64::try_from(stored).unwrap_or(0)
}

/// Settings as stored: the core type's JSON. Refused (`InvalidInput`) when the JSON would
/// not read back: serde_json writes a multiplier that is not a finite number as `null`,
/// which would leave a row no read can decode (validated settings never have one).
fn settings_json(settings: &GuildSettings) -> Result<String> {
    let json = serde_json::to_string(settings)
        .map_err(|e| Error::internal("saving guild settings: encoding them failed", e))?;
    match serde_json::from_str::<GuildSettings>(&json) {
        Ok(_) => Ok(json),
        Err(_) => Err(Error::InvalidInput(
            "guild settings that cannot be stored (a multiplier that is not a finite number?)"
                .into(),
        )),
    }
}

/// Bucket and group moves as the binds of [`sql::MOVES`]: `[[guild, bucket or group, delta], …]`.
fn moves_json(moves: HashMap<(i64, i64), i64>) -> String {
    let rows: Vec<Value> = moves
        .into_iter()
        .filter(|(_, delta)| *delta != 0)
        .map(|((guild, at), delta)| json!([guild, at, delta]))
        .collect();
    Value::Array(rows).to_string()
}

/// Rank count changes, by (guild, bucket) and (guild, group).
#[derive(Default)]
struct Moves {
    buckets: HashMap<(i64, i64), i64>,
    groups: HashMap<(i64, i64), i64>,
}

impl Moves {
    /// A member of `guild` (stored) moves from bucket `from` (`None`: was not there) to
    /// `to` (`None`: is gone).
    fn record(&mut self, guild: i64, from: Option<i64>, to: Option<i64>) {
        if from == to {
            return;
        }
        if let Some(from) = from {
            *self.buckets.entry((guild, from)).or_default() -= 1;
            *self.groups.entry((guild, group(from))).or_default() -= 1;
        }
        if let Some(to) = to {
            *self.buckets.entry((guild, to)).or_default() += 1;
            *self.groups.entry((guild, group(to))).or_default() += 1;
        }
    }
}

/// A backup batch written back: profiles as given; members' state set, their history
/// replaced (inserted oldest first, so reads, newest first by insertion, give it back
/// exactly), unlocks added where missing; rank counts moved. Cooldowns (and idempotency
/// keys) are left as they are. Refused whole (`InvalidInput`, before any write) when an
/// unlock names a tool the catalog does not hold: the table refers to the catalog.
async fn restore(
    conn: &mut SqliteConnection,
    batch: &Restore,
) -> std::result::Result<Result<Done>, sqlx::Error> {
    let tools: HashSet<&str> = batch
        .members
        .iter()
        .flat_map(|record| record.unlocks.iter().map(|unlock| unlock.tool.as_str()))
        .collect();
    if !tools.is_empty() {
        let tools = Value::Array(tools.into_iter().map(Value::from).collect()).to_string();
        let unknown: Option<String> = sqlx::query_scalar(sql::UNKNOWN_TOOL)
            .bind(tools)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(tool) = unknown {
            return Ok(Err(Error::InvalidInput(format!(
                "restore: unlocks of tool {tool}, which is not in the catalog"
            ))));
        }
    }
    let ids: Vec<Value> = batch
        .members
        .iter()
        .map(|record| json!([enc(record.member.id.guild.0), enc(record.member.id.user.0)]))
        .collect();
    let ids = Value::Array(ids).to_string();
    let mut stored: HashMap<(i64, i64), i64> = HashMap::new();
    for row in sqlx::query(sql::MEMBER_BUCKETS)
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?
    {
        stored.insert(
            (row.try_get("guild")?, row.try_get("user_id")?),
            row.try_get("bucket")?,
        );
    }
    let users: Vec<Value> = batch
        .users
        .iter()
        .map(|user| {
            json!([
                enc(user.id.0),
                user.username,
                user.display_name,
                user.avatar_url,
                i64::from(user.leaderboard_hidden),
                micros(user.created_at),
                micros(user.updated_at),
            ])
        })
        .collect();
    let mut moves = Moves::default();
    let mut members = Vec::with_capacity(batch.members.len());
    let mut history = Vec::new();
    let mut unlocks = Vec::new();
    for record in &batch.members {
        let member = &record.member;
        let (guild, user) = (enc(member.id.guild.0), enc(member.id.user.0));
        let now = bucket(member.xp);
        moves.record(guild, stored.get(&(guild, user)).copied(), Some(now));
        members.push(json!([
            guild,
            user,
            xp_i64(member.xp),
            micros(member.xp_reached_at),
            member.streak.last_claim.map(|day| day.0),
            i64::from(member.streak.days),
            now,
        ]));
        for h in &record.history {
            history.push(json!([
                guild,
                user,
                h.amount,
                h.source.as_str(),
                xp_i64(h.xp_before),
                xp_i64(h.xp_after),
                h.actor.map(|actor| enc(actor.0)),
                h.reason,
                micros(h.created_at),
            ]));
        }
        for unlock in &record.unlocks {
            unlocks.push(json!([
                guild,
                user,
                unlock.tool.as_str(),
                unlock.reason.as_str(),
                micros(unlock.at),
            ]));
        }
    }
    sqlx::query(sql::RESTORE)
        .bind(Value::Array(users).to_string())
        .bind(Value::Array(members).to_string())
        .bind(&ids)
        .bind(Value::Array(history).to_string())
        .bind(Value::Array(unlocks).to_string())
        .bind(moves_json(moves.buckets))
        .bind(moves_json(moves.groups))
        .execute(&mut *conn)
        .await?;
    Ok(Ok(Done::Restored))
}

/// Deletes everything about a user (history and keys before the members they refer to)
/// and moves the rank counts of every guild they were in.
async fn forget(
    conn: &mut SqliteConnection,
    user: UserId,
) -> std::result::Result<Forgotten, sqlx::Error> {
    let id = enc(user.0);
    let mut moves = Moves::default();
    for row in sqlx::query(sql::USER_BUCKETS)
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
    {
        moves.record(row.try_get("guild")?, Some(row.try_get("bucket")?), None);
    }
    let mut deleted = Vec::with_capacity(5);
    for statement in [
        sql::FORGET_HISTORY,
        sql::FORGET_KEYS,
        sql::FORGET_MEMBERS,
        sql::FORGET_UNLOCKS,
        sql::FORGET_USER,
    ] {
        let done = sqlx::query(statement).bind(id).execute(&mut *conn).await?;
        deleted.push(done.rows_affected());
    }
    sqlx::query(sql::MOVES)
        .bind(moves_json(moves.buckets))
        .bind(moves_json(moves.groups))
        .execute(&mut *conn)
        .await?;
    Ok(Forgotten {
        history: deleted[0],
        members: deleted[2],
        unlocks: deleted[3],
        profile: deleted[4] > 0,
    })
}

/// Awards, admin changes and imports are settled by `members` before `other` runs.
fn unreachable_write() -> Result<Done> {
    Err(Error::Internal {
        message: "a member write reached the wrong path".into(),
        source: None,
    })
}
