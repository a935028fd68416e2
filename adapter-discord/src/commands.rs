//! The poise commands, generic over your data type (anything [`HasHandler`]) and your
//! error type (anything `From<`[`Error`]`>`), so they drop into your own framework.

// `#[poise::command]` turns each doc comment into the command's description and leaves the
// generated function undocumented; every item here is documented in the source.
#![allow(missing_docs)]

use leveling_core::{AdminNote, ErrorKind, GuildSettingsPatch, MemberId, PageRequest, UserId};
use poise::CreateReply;
use serenity::all::{CreateAttachment, Permissions, RoleId, User};

use crate::guild_config::{patch_from_path, reward_lines, settings_message, with_reward};

use crate::replies::{self, BotStats, Reply};
use crate::{Error, HasHandler};

type Ctx<'a, U, E> = poise::Context<'a, U, E>;

/// Every command: `/rank [user]` and `!xp` (the member's rank card as a PNG attachment
/// with alt text, in the guild's card theme, under a one-line caption; the text reply
/// when [`Settings::rank_card`](crate::Settings::rank_card) is off, the member has no XP,
/// or the card cannot be drawn), `/leaderboard`, `/levels`, and the admin commands
/// `/addxp user amount [reason]`, `/setlevel user level [reason]`, `/resetxp user [reason]`
/// (recorded in the history with the admin as actor and the reason), `/botstats`, and
/// `/config` (`view`, `set key value`, `reward add level role`, `reward remove role`,
/// `reward list`, `reset`: the guild's settings, every change in its audit log with the
/// admin as actor), and `/privacy leaderboard:hide|show` (a member leaves or rejoins the
/// public web leaderboard page).
///
/// [`Discord::framework_options`](crate::Discord::framework_options) starts from these.
///
/// ```
/// let commands = leveling_discord::commands::<leveling_discord::Handler, leveling_discord::Error>();
/// assert_eq!(commands.len(), 10);
/// ```
pub fn commands<U: HasHandler, E: From<Error> + Send + Sync + 'static>() -> Vec<poise::Command<U, E>>
{
    vec![
        rank(),
        leaderboard(),
        levels(),
        xp(),
        addxp(),
        setlevel(),
        resetxp(),
        botstats(),
        config(),
        privacy(),
    ]
}

/// Command XP for the invoker: call it from your framework's `pre_command`.
///
/// ```ignore
/// pre_command: |ctx| Box::pin(leveling_discord::award_command(ctx)),
/// ```
pub async fn award_command<U: HasHandler, E>(ctx: Ctx<'_, U, E>) {
    let Some(guild) = ctx.guild_id() else {
        return;
    };
    let handler = ctx.data().handler();
    // The invoker's roles as the interaction (or the message) carries them: no fetch.
    let roles: &[RoleId] = match ctx {
        poise::Context::Application(app) => app
            .interaction
            .member
            .as_ref()
            .map_or(&[][..], |m| &m.roles[..]),
        poise::Context::Prefix(prefix) => {
            prefix.msg.member.as_ref().map_or(&[][..], |m| &m.roles[..])
        }
    };
    if let Err(error) = handler
        .on_command_with_roles(guild, ctx.author(), ctx.channel_id().get(), roles)
        .await
    {
        tracing::warn!(%error, "command XP was not awarded");
    }
}

/// Whether a member may use the admin commands: Manage Server (or Administrator), or the
/// configured admin role.
///
/// ```
/// use leveling_discord::commands::is_admin;
/// use serenity::all::{Permissions, RoleId};
///
/// assert!(is_admin(Some(Permissions::MANAGE_GUILD), &[], None));
/// assert!(is_admin(None, &[RoleId::new(5)], Some(RoleId::new(5))));
/// assert!(!is_admin(Some(Permissions::SEND_MESSAGES), &[RoleId::new(6)], Some(RoleId::new(5))));
/// ```
pub fn is_admin(
    permissions: Option<Permissions>,
    roles: &[RoleId],
    admin_role: Option<RoleId>,
) -> bool {
    permissions.is_some_and(|p| p.manage_guild() || p.administrator())
        || admin_role.is_some_and(|role| roles.contains(&role))
}

async fn send<U: Send + Sync + 'static, E: From<Error>>(
    ctx: Ctx<'_, U, E>,
    reply: Reply,
) -> Result<(), E> {
    ctx.send(
        CreateReply::default()
            .content(reply.content)
            .ephemeral(reply.ephemeral),
    )
    .await
    .map_err(|e| E::from(Error::from(e)))?;
    Ok(())
}

/// Sends the reply for a failed engine call: the message for bad input, a generic line
/// (and a log entry) otherwise.
async fn send_error<U: Send + Sync + 'static, E: From<Error>>(
    ctx: Ctx<'_, U, E>,
    error: leveling_core::Error,
) -> Result<(), E> {
    let reply = if error.kind() == ErrorKind::InvalidInput {
        replies::invalid(&error.to_string())
    } else {
        tracing::warn!(%error, "a leveling command failed");
        replies::unavailable()
    };
    send(ctx, reply).await
}

fn display_name(user: &User) -> &str {
    user.global_name.as_deref().unwrap_or(&user.name)
}

async fn show_rank<U: HasHandler, E: From<Error>>(
    ctx: Ctx<'_, U, E>,
    user: &User,
) -> Result<(), E> {
    let Some(guild) = ctx.guild_id() else {
        return send(ctx, replies::guild_only()).await;
    };
    let handler = ctx.data().handler();
    let progress = match handler
        .leveling()
        .progress(MemberId::new(guild.get(), user.id.get()))
        .await
    {
        Ok(progress) => progress,
        Err(error) => return send_error(ctx, error).await,
    };
    let name = display_name(user);
    // No XP, no card: the text says how to start earning, a picture would not.
    if let Some(progress) = progress.as_ref().filter(|_| handler.settings().rank_card) {
        match handler
            .cards()
            .draw(handler.leveling(), guild.get().into(), user, name, progress)
            .await
        {
            Ok(card) => {
                let caption = replies::rank_caption(name, progress);
                let png = CreateAttachment::bytes(card.png, "rank.png").description(card.alt);
                return ctx
                    .send(
                        CreateReply::default()
                            .content(caption.content)
                            .attachment(png),
                    )
                    .await
                    .map(drop)
                    .map_err(|e| E::from(Error::from(e)));
            }
            Err(error) => tracing::warn!(%error, "rank card not drawn: replying with text"),
        }
    }
    send(ctx, replies::rank(name, progress.as_ref())).await
}

/// Your (or another member's) level, tier, progress and rank.
#[poise::command(slash_command, guild_only)]
pub async fn rank<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    #[description = "The member to show (you by default)"] user: Option<User>,
) -> Result<(), E> {
    let user = user.unwrap_or_else(|| ctx.author().clone());
    show_rank(ctx, &user).await
}

/// Your XP (prefix command `!xp`).
#[poise::command(prefix_command, guild_only)]
pub async fn xp<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
) -> Result<(), E> {
    let user = ctx.author().clone();
    show_rank(ctx, &user).await
}

/// The server's leaderboard.
#[poise::command(slash_command, guild_only)]
pub async fn leaderboard<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    #[description = "Page number (1 by default)"]
    #[min = 1]
    page: Option<u32>,
) -> Result<(), E> {
    let Some(guild) = ctx.guild_id() else {
        return send(ctx, replies::guild_only()).await;
    };
    let handler = ctx.data().handler();
    let page = page.unwrap_or(1).max(1);
    let size = handler
        .settings()
        .leaderboard_page_size
        .clamp(1, PageRequest::MAX_LIMIT);
    let request = PageRequest::new(size, u64::from(page - 1) * u64::from(size));
    match handler
        .leveling()
        .leaderboard(guild.get().into(), request)
        .await
    {
        Ok(board) => send(ctx, replies::leaderboard(&board, page, size)).await,
        Err(error) => send_error(ctx, error).await,
    }
}

/// Whether the public web leaderboard shows a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum LeaderboardVisibility {
    /// Leave the page (your rank stays yours).
    #[name = "hide"]
    Hide,
    /// Be listed again.
    #[name = "show"]
    Show,
}

/// Hide yourself from (or show yourself again on) the web leaderboard page.
#[poise::command(slash_command)]
pub async fn privacy<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    #[description = "hide: leave the web leaderboard page; show: be listed again"]
    leaderboard: LeaderboardVisibility,
) -> Result<(), E> {
    let handler = ctx.data().handler();
    let hidden = leaderboard == LeaderboardVisibility::Hide;
    // The flag lives on the profile: make sure there is one to carry it.
    if let Err(error) = handler.sync_profile(ctx.author()).await {
        tracing::warn!(%error, "profile not synced before /privacy");
    }
    let patch = leveling_core::UserPatch {
        leaderboard_hidden: Some(hidden),
        ..Default::default()
    };
    let user = UserId(ctx.author().id.get());
    match handler.leveling().update_user(user, patch).await {
        Ok(_) => send(ctx, replies::privacy(hidden)).await,
        Err(error) => send_error(ctx, error).await,
    }
}

/// The XP needed for each level, and the tiers.
#[poise::command(slash_command)]
pub async fn levels<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
) -> Result<(), E> {
    let reply = replies::levels(ctx.data().handler().leveling().progression());
    send(ctx, reply).await
}

/// Checks the invoker's admin rights; sends the refusal and returns `false` without them.
async fn admin_check<U: HasHandler, E: From<Error>>(ctx: Ctx<'_, U, E>) -> Result<bool, E> {
    let admin_role = ctx.data().handler().settings().admin_role;
    let allowed = match ctx.author_member().await {
        Some(member) => is_admin(member.permissions, &member.roles, admin_role),
        None => false,
    };
    if !allowed {
        send(ctx, replies::refused()).await?;
    }
    Ok(allowed)
}

/// The change an admin command asks for.
#[derive(Clone, Copy)]
enum AdminChange {
    Add(i64),
    SetLevel(u32),
    Reset,
}

impl AdminChange {
    fn verb(self) -> &'static str {
        match self {
            AdminChange::Add(amount) if amount < 0 => "Removed XP from",
            AdminChange::Add(_) => "Added XP to",
            AdminChange::SetLevel(_) => "Set the level of",
            AdminChange::Reset => "Reset",
        }
    }
}

/// The body of every admin change: the permission check, the change recorded with the
/// invoker as actor and the reason given (if any), and the reply.
async fn admin_change<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    user: User,
    change: AdminChange,
    reason: Option<String>,
) -> Result<(), E> {
    if !admin_check(ctx).await? {
        return Ok(());
    }
    let Some(guild) = ctx.guild_id() else {
        return send(ctx, replies::guild_only()).await;
    };
    let leveling = ctx.data().handler().leveling();
    let member = MemberId::new(guild.get(), user.id.get());
    let mut note = AdminNote::by(UserId(ctx.author().id.get()));
    if let Some(reason) = reason {
        note = note.reason(reason);
    }
    let result = match change {
        AdminChange::Add(amount) => leveling.add_xp(member, amount, note).await,
        AdminChange::SetLevel(level) => leveling.set_level(member, level, note).await,
        AdminChange::Reset => leveling.reset(member, note).await,
    };
    match result {
        Ok(done) => {
            let reply = replies::admin_done(
                change.verb(),
                display_name(&user),
                done.xp,
                done.level,
                &done.tier.name,
            );
            send(ctx, reply).await
        }
        Err(error) => send_error(ctx, error).await,
    }
}

/// Adds XP to a member (a negative amount removes it). Admin only.
#[poise::command(slash_command, guild_only)]
pub async fn addxp<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    #[description = "The member"] user: User,
    #[description = "XP to add (negative removes)"] amount: i64,
    #[description = "Why (kept in the history)"] reason: Option<String>,
) -> Result<(), E> {
    admin_change(ctx, user, AdminChange::Add(amount), reason).await
}

/// Sets a member's level (XP to the start of that level). Admin only.
#[poise::command(slash_command, guild_only)]
pub async fn setlevel<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    #[description = "The member"] user: User,
    #[description = "The new level"] level: u32,
    #[description = "Why (kept in the history)"] reason: Option<String>,
) -> Result<(), E> {
    admin_change(ctx, user, AdminChange::SetLevel(level), reason).await
}

/// Resets a member's XP and streak. Admin only.
#[poise::command(slash_command, guild_only)]
pub async fn resetxp<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    #[description = "The member"] user: User,
    #[description = "Why (kept in the history)"] reason: Option<String>,
) -> Result<(), E> {
    admin_change(ctx, user, AdminChange::Reset, reason).await
}

/// Uptime, guilds, members tracked, XP awarded, gateway latency. Admin only.
#[poise::command(slash_command, guild_only)]
pub async fn botstats<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
) -> Result<(), E> {
    if !admin_check(ctx).await? {
        return Ok(());
    }
    let handler = ctx.data().handler();
    let stats = match handler.leveling().stats().await {
        Ok(stats) => stats,
        Err(error) => return send_error(ctx, error).await,
    };
    let latency = ctx.ping().await;
    let reply = replies::botstats(&BotStats {
        uptime: handler.uptime(),
        guilds: ctx.cache().guild_count(),
        members_tracked: stats.members,
        xp_awarded: stats.total_xp,
        latency: (!latency.is_zero()).then_some(latency),
    });
    send(ctx, reply).await
}

/// The guild of a command and its invoker as the settings' actor, after the admin check
/// (`None`: refused or not in a guild, the reply already sent).
async fn config_guard<U: HasHandler, E: From<Error>>(
    ctx: Ctx<'_, U, E>,
) -> Result<Option<(leveling_core::GuildId, UserId)>, E> {
    if !admin_check(ctx).await? {
        return Ok(None);
    }
    let Some(guild) = ctx.guild_id() else {
        send(ctx, replies::guild_only()).await?;
        return Ok(None);
    };
    Ok(Some((guild.get().into(), UserId(ctx.author().id.get()))))
}

/// Applies a patch to the guild's settings (recorded with the invoker as actor) and
/// replies `done` on success, the field and message of a bad value otherwise.
async fn config_update<U: HasHandler, E: From<Error>>(
    ctx: Ctx<'_, U, E>,
    guild: leveling_core::GuildId,
    actor: UserId,
    patch: &GuildSettingsPatch,
    done: impl FnOnce(&leveling_core::GuildSettings) -> String,
) -> Result<(), E> {
    let leveling = ctx.data().handler().leveling();
    match leveling
        .update_guild_settings(guild, patch, Some(actor))
        .await
    {
        Ok(view) => send(ctx, Reply::private(done(&view.settings))).await,
        Err(error) => send_error(ctx, error).await,
    }
}

/// Changes the guild's settings by `change` of the settings in force (run again on a
/// concurrent change) and replies with `done` of the result, or the error.
async fn config_modify<U: HasHandler, E: From<Error>>(
    ctx: Ctx<'_, U, E>,
    guild: leveling_core::GuildId,
    actor: UserId,
    change: impl Fn(
        &leveling_core::GuildSettings,
    ) -> leveling_core::Result<leveling_core::GuildSettings>,
    done: impl FnOnce(&leveling_core::GuildSettings) -> String,
) -> Result<(), E> {
    let leveling = ctx.data().handler().leveling();
    match leveling
        .modify_guild_settings(guild, Some(actor), change)
        .await
    {
        Ok(view) => send(ctx, Reply::private(done(&view.settings))).await,
        Err(error) => send_error(ctx, error).await,
    }
}

/// The server's leveling settings. Admin only.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("config_view", "config_set", "config_reward", "config_reset"),
    subcommand_required
)]
pub async fn config<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    _ctx: Ctx<'_, U, E>,
) -> Result<(), E> {
    Ok(())
}

/// Shows the server's settings. Admin only.
#[poise::command(slash_command, guild_only, rename = "view")]
pub async fn config_view<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
) -> Result<(), E> {
    let Some((guild, _)) = config_guard(ctx).await? else {
        return Ok(());
    };
    match ctx.data().handler().leveling().guild_settings(guild).await {
        Ok(view) => {
            send(
                ctx,
                Reply::private(settings_message(&view.settings, view.own)),
            )
            .await
        }
        Err(error) => send_error(ctx, error).await,
    }
}

/// Sets one setting, e.g. `rules.message.xp` `20` or `announce.template` `GG {user}`. Admin only.
#[poise::command(slash_command, guild_only, rename = "set")]
pub async fn config_set<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    #[description = "A dotted path: rules.message.xp, announce.template, multipliers.roles.<role id>, …"]
    key: String,
    #[description = "The value: a number, text, true/false, a JSON list or object, null to remove"]
    value: String,
) -> Result<(), E> {
    let Some((guild, actor)) = config_guard(ctx).await? else {
        return Ok(());
    };
    let patch = match patch_from_path(&key, &value) {
        Ok(patch) => patch,
        Err(error) => return send(ctx, replies::invalid(&error.to_string())).await,
    };
    let key = key.trim().to_owned();
    config_update(ctx, guild, actor, &patch, |settings| {
        let pointer = format!("/{}", key.replace('.', "/"));
        match serde_json::to_value(settings)
            .ok()
            .and_then(|v| v.pointer(&pointer).cloned())
        {
            Some(now) => format!("✅ `{key}` is now `{now}`."),
            None => format!("✅ `{key}` changed."),
        }
    })
    .await
}

/// Level reward roles. Admin only.
#[poise::command(
    slash_command,
    guild_only,
    rename = "reward",
    subcommands("reward_add", "reward_remove", "reward_list"),
    subcommand_required
)]
pub async fn config_reward<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    _ctx: Ctx<'_, U, E>,
) -> Result<(), E> {
    Ok(())
}

/// Gives a role at a level (replacing that level's or that role's reward). Admin only.
#[poise::command(slash_command, guild_only, rename = "add")]
pub async fn reward_add<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    #[description = "The level that earns the role"] level: u32,
    #[description = "The role"] role: RoleId,
) -> Result<(), E> {
    let Some((guild, actor)) = config_guard(ctx).await? else {
        return Ok(());
    };
    // Computed from the settings in force at the write (again after a concurrent
    // change), so another admin's reward added meanwhile is kept.
    let change = |current: &leveling_core::GuildSettings| {
        let mut next = current.clone();
        next.rewards.roles = with_reward(&current.rewards.roles, level, role.get().into());
        Ok(next)
    };
    config_modify(ctx, guild, actor, change, |_| {
        format!("✅ <@&{role}> is now the reward for level {level}.")
    })
    .await
}

/// Stops giving a role as a reward (members keep it). Admin only.
#[poise::command(slash_command, guild_only, rename = "remove")]
pub async fn reward_remove<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    #[description = "The reward role"] role: RoleId,
) -> Result<(), E> {
    let Some((guild, actor)) = config_guard(ctx).await? else {
        return Ok(());
    };
    let target: leveling_core::RoleId = role.get().into();
    let change = |current: &leveling_core::GuildSettings| {
        if !current.rewards.roles.iter().any(|r| r.role_id == target) {
            return Err(leveling_core::Error::InvalidInput(format!(
                "<@&{role}> is not a reward role."
            )));
        }
        let mut next = current.clone();
        next.rewards.roles.retain(|r| r.role_id != target);
        Ok(next)
    };
    config_modify(ctx, guild, actor, change, |_| {
        format!("✅ <@&{role}> is no longer a reward.")
    })
    .await
}

/// Lists the reward roles. Admin only.
#[poise::command(slash_command, guild_only, rename = "list")]
pub async fn reward_list<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
) -> Result<(), E> {
    let Some((guild, _)) = config_guard(ctx).await? else {
        return Ok(());
    };
    match ctx.data().handler().leveling().guild_settings(guild).await {
        Ok(view) => send(ctx, Reply::private(reward_lines(&view.settings))).await,
        Err(error) => send_error(ctx, error).await,
    }
}

/// Puts every setting back to the defaults. Admin only.
#[poise::command(slash_command, guild_only, rename = "reset")]
pub async fn config_reset<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
) -> Result<(), E> {
    let Some((guild, actor)) = config_guard(ctx).await? else {
        return Ok(());
    };
    let leveling = ctx.data().handler().leveling();
    match leveling.reset_guild_settings(guild, Some(actor)).await {
        Ok(_) => {
            send(
                ctx,
                Reply::private("✅ This server is back on the default settings.".to_owned()),
            )
            .await
        }
        Err(error) => send_error(ctx, error).await,
    }
}
