//! Tests that look at the rendered picture: geometry comes from the template's own
//! constants, so they follow the layout when it changes.

use resvg::tiny_skia::Pixmap;

use crate::svg::{AVATAR_CX, AVATAR_CY, AVATAR_R, BAR_H, BAR_W, BAR_X, BAR_Y, HEIGHT, WIDTH};
use crate::{Avatar, CardData, Rgb, Theme, render_png};

fn card(name: &str) -> CardData {
    CardData {
        display_name: name.into(),
        level: 12,
        rank: Some(3),
        tier: "Member".into(),
        tier_colour: Rgb::new(0xff, 0x00, 0xaa),
        xp_into_level: 1_234,
        xp_for_level: 2_000,
        total_xp: 45_678,
        avatar: None,
    }
}

fn render(data: &CardData) -> Pixmap {
    let png = render_png(data, &Theme::default()).expect("renders");
    let pixmap = Pixmap::decode_png(&png).expect("a valid PNG");
    assert_eq!((pixmap.width(), pixmap.height()), (WIDTH, HEIGHT));
    pixmap
}

fn colour_at(pixmap: &Pixmap, x: f32, y: f32) -> Rgb {
    let p = pixmap.pixel(x as u32, y as u32).expect("inside the card");
    assert_eq!(p.alpha(), 255, "opaque at ({x}, {y})");
    Rgb::new(p.red(), p.green(), p.blue())
}

fn solid_avatar(r: u8, g: u8, b: u8) -> Avatar {
    let mut pixmap = Pixmap::new(32, 32).unwrap();
    pixmap.fill(resvg::tiny_skia::Color::from_rgba8(r, g, b, 255));
    Avatar::from_bytes(&pixmap.encode_png().unwrap()).unwrap()
}

#[test]
fn the_bar_fills_in_proportion_to_the_level_progress() {
    let theme = Theme::default();
    let middle = BAR_Y + BAR_H / 2.0;
    let samples = [0.05, 0.25, 0.45, 0.55, 0.75, 0.95];
    for (into, span, filled_up_to) in [
        (0, 2_000, 0.0),
        (1_000, 2_000, 0.5),
        (2_000, 2_000, 1.0),
        (7, 0, 1.0),
    ] {
        let mut data = card("Alice");
        data.xp_into_level = into;
        data.xp_for_level = span;
        let pixmap = render(&data);
        for at in samples {
            let expected = if at < filled_up_to {
                theme.bar
            } else {
                theme.bar_track
            };
            assert_eq!(
                colour_at(&pixmap, BAR_X + at * BAR_W, middle),
                expected,
                "{into}/{span} XP at {at} of the bar"
            );
        }
    }
}

#[test]
fn the_tier_colour_rings_the_avatar() {
    let mut data = card("Alice");
    data.avatar = Some(solid_avatar(0x20, 0xc0, 0x40));
    let pixmap = render(&data);
    assert_eq!(
        colour_at(&pixmap, AVATAR_CX + AVATAR_R + 8.0, AVATAR_CY),
        data.tier_colour
    );
    assert_eq!(
        colour_at(&pixmap, AVATAR_CX, AVATAR_CY - AVATAR_R - 8.0),
        data.tier_colour
    );
    // And elsewhere too (the tier name): more pixels of it than the ring alone has.
    let tier = data.tier_colour;
    let count = pixmap
        .pixels()
        .iter()
        .filter(|p| (p.red(), p.green(), p.blue()) == (tier.r, tier.g, tier.b))
        .count();
    assert!(count > 3_000, "{count} pixels of the tier colour");
}

#[test]
fn an_avatar_replaces_the_initials_circle() {
    let initials = render(&card("Alice"));
    let mut data = card("Alice");
    data.avatar = Some(solid_avatar(0x20, 0xc0, 0x40));
    let avatar = render(&data);
    // Left of centre, clear of the letters.
    let (x, y) = (AVATAR_CX - AVATAR_R * 0.7, AVATAR_CY);
    assert_eq!(colour_at(&initials, x, y), data.tier_colour);
    assert_eq!(colour_at(&avatar, x, y), Rgb::new(0x20, 0xc0, 0x40));
    assert_eq!(
        colour_at(&avatar, AVATAR_CX, AVATAR_CY),
        Rgb::new(0x20, 0xc0, 0x40)
    );
    assert_ne!(
        colour_at(&initials, AVATAR_CX, AVATAR_CY),
        Rgb::new(0x20, 0xc0, 0x40)
    );
}

/// Names from hostile or unusual input: each renders, as a valid PNG of the card's size.
#[test]
fn awkward_names_render_cleanly() {
    let long = "W".repeat(100);
    let names = [
        "<script>alert(1)</script>",
        "Tom & Jerry",
        "\"quoted\" 'name'",
        "]]><!-- --><![CDATA[",
        "&amp; &#x41; &nosuch;",
        "🎉🦀 emoji 👨‍👩‍👧 family",
        "محمد علي",
        "שלום עולם",
        "Mixed English עברית العربية",
        "\u{202e}reversed\u{202c}",
        "bell\u{7}null\u{0}esc\u{1b}[31m\u{85}",
        "\u{fffe}\u{ffff}",
        "",
        "   ",
        &long,
        &"é\u{301}".repeat(100),
        &"漢字".repeat(50),
    ];
    for name in names {
        let mut data = card(name);
        render(&data);
        data.tier = name.to_owned();
        render(&data);
    }
}

#[test]
fn a_long_name_stays_inside_the_card() {
    let theme = Theme::default();
    for name in ["W".repeat(100), "漢".repeat(100), "🦀".repeat(100)] {
        let pixmap = render(&card(&name));
        // Between the content column's end and the panel's edge, the name's row is
        // bare panel.
        for x in [894.0, 905.0, 915.0] {
            for y in [62.0, 75.0, 90.0] {
                assert_eq!(
                    colour_at(&pixmap, x, y),
                    theme.panel,
                    "{name:.8}… at ({x}, {y})"
                );
            }
        }
    }
}

/// Under the bar's height the fill takes the clipped branch: still in proportion.
#[test]
fn a_nearly_empty_bar_shows_a_sliver() {
    let theme = Theme::default();
    let mut data = card("Alice");
    data.xp_into_level = 2; // 2 % of 100: about 12 px of the bar.
    data.xp_for_level = 100;
    let pixmap = render(&data);
    let middle = BAR_Y + BAR_H / 2.0;
    assert_eq!(colour_at(&pixmap, BAR_X + 6.0, middle), theme.bar);
    assert_eq!(colour_at(&pixmap, BAR_X + 20.0, middle), theme.bar_track);
}
