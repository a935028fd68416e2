//! [`render_png`]: SVG template → usvg tree → tiny-skia pixmap → PNG bytes.

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg;

use crate::card::CardData;
use crate::colour::Theme;
use crate::svg::{self, HEIGHT, WIDTH};
use crate::{CardError, fonts};

/// Renders a card as a 934×282 PNG, synchronously, touching neither the network nor
/// the file system. It takes a few milliseconds of CPU: from async code use
/// [`Renderer`](crate::Renderer), which runs it off the runtime's threads.
///
/// # Errors
///
/// Only on an internal fault (the template not parsing, PNG encoding failing); no
/// `display_name` or tier name causes one.
///
/// ```
/// use leveling_card::{render_png, CardData, Theme, tier_colour};
/// use leveling_card::tiny_skia::Pixmap;
///
/// let card = CardData {
///     display_name: "<Bob & \"friends\">".into(),
///     level: 3,
///     rank: None,
///     tier: "Basic".into(),
///     tier_colour: tier_colour("Basic", 0),
///     xp_into_level: 40,
///     xp_for_level: 300,
///     total_xp: 640,
///     avatar: None,
/// };
/// let png = render_png(&card, &Theme::default()).unwrap();
/// let pixmap = Pixmap::decode_png(&png).unwrap();
/// assert_eq!((pixmap.width(), pixmap.height()), (934, 282));
/// ```
pub fn render_png(data: &CardData, theme: &Theme) -> Result<Vec<u8>, CardError> {
    encode(render_pixmap(data, theme)?)
}

/// PNG at png's `Fast` level: tiny-skia's own encoder uses `Balanced`, which took
/// about half of a card's time for a file only slightly smaller.
fn encode(pixmap: Pixmap) -> Result<Vec<u8>, CardError> {
    let failed = |e: png::EncodingError| CardError::Encode(e.to_string());
    let (width, height) = (pixmap.width(), pixmap.height());
    let rgba = pixmap.take_demultiplied();
    let mut out = Vec::with_capacity(rgba.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(&rgba).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

pub(crate) fn render_pixmap(data: &CardData, theme: &Theme) -> Result<Pixmap, CardError> {
    let source = svg::card(data, theme);
    let tree = usvg::Tree::from_str(&source, &fonts::OPTIONS)
        .map_err(|e| CardError::Template(e.to_string()))?;
    let mut pixmap =
        Pixmap::new(WIDTH, HEIGHT).ok_or(CardError::Template("zero-sized card".into()))?;
    resvg::render(&tree, Transform::identity(), &mut pixmap.as_mut());
    Ok(pixmap)
}
