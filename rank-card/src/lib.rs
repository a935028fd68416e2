//! Renders a member's rank card as a PNG, in-process and offline.
//!
//! The card is an SVG template filled with [`CardData`] and rasterised by
//! [resvg](https://docs.rs/resvg) with fonts embedded in the crate (DejaVu Sans), never
//! the system's, so every machine draws the same picture. The crate knows nothing of
//! leveling's domain types: the integrator maps a member, their level and tier onto
//! [`CardData`].
//!
//! - [`render_png`] renders synchronously; [`Renderer`] does it on tokio's blocking
//!   pool with a bound on concurrent renders.
//! - [`Avatar`] holds a validated picture; [`AvatarCache`] (feature `fetch`, on by
//!   default) fetches and caches them by URL.
//! - [`alt_text`] describes the card for screen readers; [`initials`] is what the
//!   card shows without an avatar.
//! - With feature `core`, `card_for` and `Theme: From<CardTheme>` map leveling's
//!   domain onto the card.
//!
//! ```
//! use leveling_card::{alt_text, render_png, tier_colour, CardData, Theme};
//!
//! let card = CardData {
//!     display_name: "Alice".into(),
//!     level: 12,
//!     rank: Some(3),
//!     tier: "Member".into(),
//!     tier_colour: tier_colour("Member", 1),
//!     xp_into_level: 1_234,
//!     xp_for_level: 2_000,
//!     total_xp: 45_678,
//!     avatar: None,
//! };
//! let png: Vec<u8> = render_png(&card, &Theme::default())?;
//! assert!(png.starts_with(b"\x89PNG"));
//! assert!(alt_text(&card).starts_with("Rank card: Alice, level 12 (Member)"));
//! # Ok::<(), leveling_card::CardError>(())
//! ```

#![warn(missing_docs)]

mod card;
mod colour;
#[cfg(feature = "core")]
mod domain;
#[cfg(feature = "fetch")]
mod fetch;
mod fonts;
mod image;
#[cfg(test)]
mod pixel_tests;
mod pool;
mod render;
mod svg;
mod text;

pub use card::{CardData, alt_text};
pub use colour::{ParseRgbError, Rgb, Theme, tier_colour};
#[cfg(feature = "core")]
pub use domain::{card_at, card_for};
#[cfg(feature = "fetch")]
pub use fetch::{AvatarCache, DISCORD_AVATAR_HOSTS, FetchConfig};
pub use image::Avatar;
pub use pool::Renderer;
pub use render::render_png;
pub use text::{initials, thousands};

/// The rasteriser, re-exported so callers can decode or build images with the same
/// version (tests decode the PNG with `tiny_skia::Pixmap::decode_png`).
pub use resvg::tiny_skia;

/// The card's size in pixels, `(width, height)`.
pub const CARD_SIZE: (u32, u32) = (svg::WIDTH, svg::HEIGHT);

/// Why a card or an avatar could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CardError {
    /// The avatar is neither a PNG nor a JPEG.
    #[error("the avatar is not a PNG or JPEG image")]
    UnsupportedImage,
    /// The avatar claims to be a PNG or JPEG but does not decode.
    #[error("the avatar does not decode: {0}")]
    BadImage(String),
    /// The avatar is larger than 4096 px on a side.
    #[error("the avatar is too large ({width}×{height} px)")]
    ImageTooLarge {
        /// Its width in pixels.
        width: u32,
        /// Its height in pixels.
        height: u32,
    },
    /// The filled template is not valid SVG: a bug in this crate.
    #[error("the card template does not parse: {0}")]
    Template(String),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
    /// A [`Renderer`] task panicked or its runtime shut down.
    #[error("the render task did not finish")]
    Task,
}
