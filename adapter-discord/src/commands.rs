//! The poise commands, generic over your data type (anything [`HasHandler`]) and your
//! error type (anything `From<`[`Error`]`>`), so they drop into your own framework.

// `#[poise::command]` turns each doc comment into the command's description and leaves the
// generated function undocumented; every item here is documented in the source.
#![allow(missing_docs)]

use leveling_core::storage::ImportMode;
use leveling_core::transfer::{Format, Keep};
use leveling_core::{
    AdminNote, ErrorKind, GuildSettingsPatch, ImportError, ImportOptions, MemberId, PageRequest,
    UserId,
};
use poise::CreateReply;
use serenity::all::{
    Attachment, ButtonStyle, ComponentInteraction, ComponentInteractionCollector, CreateActionRow,
    CreateAttachment, CreateButton, CreateInteractionResponse, CreateInteractionResponseMessage,
    EditInteractionResponse, Permissions, RoleId, User,
};
use serenity::futures::StreamExt;

use crate::guild_config::{patch_from_path, reward_lines, settings_message, with_reward};

use crate::replies::{self, BotStats, Reply};
use crate::transfer::{MAX_IMPORT_BYTES, MAX_UPLOAD_BYTES};
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
/// admin as actor), `/import file format [mode] [keep]` (XP from another bot's export
/// or a leveling backup, into this guild), and for every member `/privacy
/// leaderboard:hide|show` (leave or rejoin the public web leaderboard page), `/mydata`
/// (everything stored about them, as a JSON file) and `/forgetme` (delete it, after a
/// confirmation button).
///
/// [`Discord::framework_options`](crate::Discord::framework_options) starts from these.
///
/// ```
/// let commands = leveling_discord::commands::<leveling_discord::Handler, leveling_discord::Error>();
/// assert_eq!(commands.len(), 13);
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
        mydata(),
        forgetme(),
        import(),
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

/// Download everything the bot stores about you, as a JSON file only you see.
#[poise::command(slash_command)]
pub async fn mydata<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
) -> Result<(), E> {
    // A long history takes more than the 3 s an answer is due in.
    ctx.defer_ephemeral()
        .await
        .map_err(|e| E::from(Error::from(e)))?;
    let user = UserId(ctx.author().id.get());
    let data = match ctx.data().handler().leveling().user_data(user).await {
        Ok(data) => data,
        Err(error) => return send_error(ctx, error).await,
    };
    let json = match serde_json::to_vec_pretty(&data) {
        Ok(json) => json,
        Err(error) => {
            tracing::warn!(%error, "a user's data did not serialize");
            return send(ctx, replies::unavailable()).await;
        }
    };
    if json.len() > MAX_UPLOAD_BYTES {
        return send(ctx, replies::mydata_too_large(json.len())).await;
    }
    let caption = replies::mydata(&data);
    ctx.send(
        CreateReply::default()
            .content(caption.content)
            .attachment(CreateAttachment::bytes(json, "mydata.json"))
            .ephemeral(true),
    )
    .await
    .map(drop)
    .map_err(|e| E::from(Error::from(e)))
}

/// Delete everything the bot stores about you (asks you to confirm first).
#[poise::command(slash_command)]
pub async fn forgetme<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
) -> Result<(), E> {
    let discord = |e: serenity::Error| E::from(Error::from(e));
    ctx.defer_ephemeral().await.map_err(discord)?;
    let handler = ctx.data().handler();
    let author = ctx.author().id;
    let data = match handler.leveling().user_data(UserId(author.get())).await {
        Ok(data) => data,
        Err(error) => return send_error(ctx, error).await,
    };
    if data.profile.is_none() && data.members.is_empty() {
        return send(ctx, replies::nothing_stored()).await;
    }
    // This invocation's own ids: a click on an older /forgetme's buttons is not this one's.
    let confirm = format!("leveling:forgetme:{}:confirm", ctx.id());
    let cancel = format!("leveling:forgetme:{}:cancel", ctx.id());
    // Listening before the buttons are shown, so no click can come before the listener.
    let mut clicks = ComponentInteractionCollector::new(ctx)
        .custom_ids(vec![confirm.clone(), cancel.clone()])
        .timeout(handler.settings().confirm_timeout)
        .stream();
    let buttons = CreateActionRow::Buttons(vec![
        CreateButton::new(&confirm)
            .style(ButtonStyle::Danger)
            .label("Delete my data"),
        CreateButton::new(&cancel)
            .style(ButtonStyle::Secondary)
            .label("Cancel"),
    ]);
    let prompt = ctx
        .send(
            CreateReply::default()
                .content(replies::forget_prompt(&data).content)
                .components(vec![buttons])
                .ephemeral(true),
        )
        .await
        .map_err(discord)?;
    while let Some(click) = clicks.next().await {
        if click.user.id != author {
            // Only the invoker can see an ephemeral prompt; answer anyone else anyway,
            // so their client does not show a failure.
            respond(&ctx, &click, replies::not_your_button(), false).await;
            continue;
        }
        if click.data.custom_id == cancel {
            respond(&ctx, &click, replies::forget_kept(false), true).await;
            return Ok(());
        }
        // Acknowledged first: the deletion may take longer than the 3 s a click's
        // answer is due in. The prompt is then edited through the click.
        let ack = click.create_response(ctx, CreateInteractionResponse::Acknowledge);
        if let Err(error) = ack.await {
            tracing::warn!(%error, "a /forgetme confirmation was not acknowledged");
        }
        let reply = match handler.forget_user(author).await {
            Ok(gone) => replies::forgotten(&gone),
            Err(Error::Leveling(error)) if error.kind() == ErrorKind::InvalidInput => {
                replies::invalid(&error.to_string())
            }
            Err(error) => {
                tracing::warn!(%error, "/forgetme failed");
                replies::unavailable()
            }
        };
        let edit = EditInteractionResponse::new()
            .content(reply.content)
            .components(Vec::new());
        if let Err(error) = click.edit_response(ctx, edit).await {
            tracing::warn!(%error, "the /forgetme answer was not shown");
        }
        return Ok(());
    }
    // No answer in time: nothing deleted, and the buttons go away.
    // Ephemeral again: the edit carries the message's flags, which must stay as they are.
    let timed_out = CreateReply::default()
        .content(replies::forget_kept(true).content)
        .components(Vec::new())
        .ephemeral(true);
    prompt.edit(ctx, timed_out).await.map_err(discord)
}

/// Answers a button click: a new ephemeral message, or (`update`) the prompt rewritten
/// without its buttons. A failure is logged (the command's own answer is already out).
async fn respond<U: Send + Sync + 'static, E>(
    ctx: &Ctx<'_, U, E>,
    click: &ComponentInteraction,
    reply: Reply,
    update: bool,
) {
    let message = CreateInteractionResponseMessage::new().content(reply.content);
    let response = if update {
        CreateInteractionResponse::UpdateMessage(message.components(Vec::new()))
    } else {
        CreateInteractionResponse::Message(message.ephemeral(true))
    };
    if let Err(error) = click.create_response(ctx, response).await {
        tracing::warn!(%error, "a button click was not answered");
    }
}

/// The file formats `/import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum ImportFormat {
    /// MEE6 leaderboard pages (`{"players": […]}`, saved from its leaderboard API).
    #[name = "mee6"]
    Mee6,
    /// A plain `[{"id", "xp"}]` list, what other bots' exporters write.
    #[name = "plain"]
    Plain,
    /// A leveling backup (`server export`): this server's part of it.
    #[name = "leveling"]
    Leveling,
}

impl From<ImportFormat> for Format {
    fn from(format: ImportFormat) -> Self {
        match format {
            ImportFormat::Mee6 => Format::Mee6,
            ImportFormat::Plain => Format::Plain,
            ImportFormat::Leveling => Format::Leveling,
        }
    }
}

/// Whether `/import` sets or adds XP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum ImportModeChoice {
    /// Each member's XP becomes the file's (running it twice changes nothing more).
    #[name = "replace"]
    Replace,
    /// The file's XP is added to each member's (running it twice adds twice).
    #[name = "add"]
    Add,
}

/// What an import of another bot's XP keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum KeepChoice {
    /// Every member keeps their level (and reward roles) under this bot's curve.
    #[name = "levels"]
    Levels,
    /// The XP totals are copied as they are.
    #[name = "xp"]
    Xp,
}

/// Imports XP from a file: MEE6 leaderboard pages, a plain list, or a leveling backup. Admin only.
#[poise::command(slash_command, guild_only)]
pub async fn import<U: HasHandler, E: From<Error> + Send + Sync + 'static>(
    ctx: Ctx<'_, U, E>,
    #[description = "The file (JSON, at most 10 MiB)"] file: Attachment,
    #[description = "What the file is: mee6, plain ([{\"id\",\"xp\"}]) or leveling (a backup)"]
    format: ImportFormat,
    #[description = "replace (default): set each member's XP; add: add to it (twice adds twice)"]
    mode: Option<ImportModeChoice>,
    #[description = "levels (default): members keep their MEE6 level; xp: copy the XP as is"]
    keep: Option<KeepChoice>,
) -> Result<(), E> {
    let Some((guild, actor)) = config_guard(ctx).await? else {
        return Ok(());
    };
    // The declared size, before a byte is downloaded.
    if u64::from(file.size) > MAX_IMPORT_BYTES {
        let reply = replies::import_too_large(&file.filename, file.size.into(), MAX_IMPORT_BYTES);
        return send(ctx, reply).await;
    }
    // Downloading and writing thousands of members takes more than 3 s.
    ctx.defer_ephemeral()
        .await
        .map_err(|e| E::from(Error::from(e)))?;
    let handler = ctx.data().handler();
    let bytes = match handler.downloads().fetch(&file.url, MAX_IMPORT_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%guild, %error, "an /import attachment was not downloaded");
            return send(
                ctx,
                replies::import_not_downloaded(&file.filename, &error.to_string()),
            )
            .await;
        }
    };
    let mode = match mode.unwrap_or(ImportModeChoice::Replace) {
        ImportModeChoice::Replace => ImportMode::Replace,
        ImportModeChoice::Add => ImportMode::Add,
    };
    let keep = match keep.unwrap_or(KeepChoice::Levels) {
        KeepChoice::Levels => Keep::Levels,
        KeepChoice::Xp => Keep::Xp,
    };
    let options = ImportOptions {
        guild: Some(guild),
        mode,
        keep,
        // The history note says where the XP came from. A name the engine would refuse
        // as a reason (too long, a NUL) is cleaned rather than refused.
        reason: Some(
            file.filename
                .chars()
                .filter(|c| *c != '\0')
                .take(leveling_core::MAX_REASON_CHARS)
                .collect(),
        ),
    };
    let format = Format::from(format);
    let result = handler
        .leveling()
        .import_file(format, &bytes, &options, |done, total| {
            tracing::debug!(%guild, done, total, "import progress");
        })
        .await;
    let reply = match &result {
        Ok(summary) => {
            tracing::info!(
                %guild, %actor, %format, mode = mode.as_str(), imported = summary.imported,
                unchanged = summary.unchanged, skipped = summary.skipped.len(),
                elapsed_ms = summary.elapsed.as_millis() as u64, "/import done"
            );
            replies::import_done(&file.filename, mode, summary)
        }
        Err(error) => {
            if let ImportError::Store { source, .. } = error
                && source.kind() != ErrorKind::InvalidInput
            {
                tracing::warn!(%guild, %error, "/import stopped: the store failed");
            }
            replies::import_failed(&file.filename, error)
        }
    };
    send(ctx, reply).await
}
