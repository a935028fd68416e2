//! Writes two sample rank cards, with and without an avatar, into a directory:
//!
//! ```text
//! cargo run -p leveling-card --example sample_cards -- docs/
//! ```

use std::path::PathBuf;

use leveling_card::tiny_skia::{
    Color, GradientStop, LinearGradient, Paint, Pixmap, Point, Rect, SpreadMode, Transform,
};
use leveling_card::{Avatar, CardData, Theme, render_png, tier_colour};

/// A stand-in picture: a diagonal gradient with a pale disc, so the crop and the
/// circle's edge are easy to judge.
fn gradient_avatar() -> Vec<u8> {
    let mut pixmap = Pixmap::new(256, 256).expect("non-zero size");
    let shader = LinearGradient::new(
        Point::from_xy(0.0, 0.0),
        Point::from_xy(256.0, 256.0),
        vec![
            GradientStop::new(0.0, Color::from_rgba8(0xff, 0x8a, 0x3d, 0xff)),
            GradientStop::new(0.5, Color::from_rgba8(0xe0, 0x3e, 0x8c, 0xff)),
            GradientStop::new(1.0, Color::from_rgba8(0x5b, 0x3c, 0xd6, 0xff)),
        ],
        SpreadMode::Pad,
        Transform::identity(),
    )
    .expect("valid gradient");
    let mut paint = Paint {
        shader,
        ..Paint::default()
    };
    let rect = Rect::from_xywh(0.0, 0.0, 256.0, 256.0).expect("valid rect");
    pixmap.fill_rect(rect, &paint, Transform::identity(), None);
    paint.set_color_rgba8(0xff, 0xff, 0xff, 0x90);
    let disc = leveling_card::tiny_skia::PathBuilder::from_circle(128.0, 104.0, 46.0)
        .expect("valid circle");
    pixmap.fill_path(
        &disc,
        &paint,
        leveling_card::tiny_skia::FillRule::Winding,
        Transform::identity(),
        None,
    );
    pixmap.encode_png().expect("encodes")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .ok_or("usage: sample_cards <output directory>")?
        .into();
    std::fs::create_dir_all(&dir)?;
    let theme = Theme::default();

    let with_avatar = CardData {
        display_name: "Alice Lovelace".into(),
        level: 12,
        rank: Some(3),
        tier: "Member".into(),
        tier_colour: tier_colour("Member", 1),
        xp_into_level: 1_234,
        xp_for_level: 2_000,
        total_xp: 45_678,
        avatar: Some(Avatar::from_bytes(&gradient_avatar())?),
    };
    let path = dir.join("rank-card-avatar.png");
    std::fs::write(&path, render_png(&with_avatar, &theme)?)?;
    println!("{}", path.display());

    let initials = CardData {
        display_name: "Grace Brewster Hopper".into(),
        level: 47,
        rank: Some(128),
        tier: "Master".into(),
        tier_colour: tier_colour("Master", 4),
        xp_into_level: 9_870,
        xp_for_level: 12_500,
        total_xp: 1_204_561,
        avatar: None,
    };
    let path = dir.join("rank-card-initials.png");
    std::fs::write(&path, render_png(&initials, &theme)?)?;
    println!("{}", path.display());
    Ok(())
}
