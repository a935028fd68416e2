//! [`Avatar`]: picture bytes checked once, then scaled down for the card.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use resvg::tiny_skia::{
    FillRule, FilterQuality, IntSize, Mask, PathBuilder, Pixmap, PixmapPaint, Transform,
};

use crate::CardError;

/// The side of the square the avatar is stored at: the circle's diameter on the card,
/// so a render never decodes more pixels than it shows.
pub(crate) const AVATAR_SIDE: u32 = 192;

/// Refuse to decode anything larger: a small file can still claim a huge raster
/// (a decompression bomb), and no avatar needs more.
const MAX_SIDE: u32 = 4096;

/// A member's picture, validated: a PNG or JPEG that decodes, at most 4096 px a side.
///
/// It is centre-cropped to a square, scaled to the card's avatar size and cut to a
/// circle once, here, so that rendering the card stays cheap however large the
/// original was.
///
/// ```
/// use leveling_card::Avatar;
/// use leveling_card::tiny_skia::{Color, Pixmap};
///
/// let mut pixmap = Pixmap::new(64, 48).unwrap();
/// pixmap.fill(Color::from_rgba8(200, 80, 40, 255));
/// let avatar = Avatar::from_bytes(&pixmap.encode_png().unwrap()).unwrap();
/// assert!(avatar.png().starts_with(b"\x89PNG"));
///
/// assert!(Avatar::from_bytes(b"GIF89a...").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Avatar {
    png: Arc<[u8]>,
    data_url: Arc<str>,
}

impl Avatar {
    /// Checks that `bytes` are a PNG or JPEG that decodes, and prepares it for the card.
    ///
    /// # Errors
    ///
    /// [`CardError::UnsupportedImage`] for any other format, [`CardError::ImageTooLarge`]
    /// past 4096 px a side, [`CardError::BadImage`] when it does not decode.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CardError> {
        let decoded = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            decode_png(bytes)?
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            decode_jpeg(bytes)?
        } else {
            return Err(CardError::UnsupportedImage);
        };
        let square = cover(&decoded, AVATAR_SIDE)?;
        let png = square
            .encode_png()
            .map_err(|e| CardError::Encode(e.to_string()))?;
        let data_url = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&png)
        );
        Ok(Self {
            png: png.into(),
            data_url: data_url.into(),
        })
    }

    /// The prepared picture: a 192×192 PNG, transparent outside its inscribed circle.
    pub fn png(&self) -> &[u8] {
        &self.png
    }

    pub(crate) fn data_url(&self) -> &str {
        &self.data_url
    }
}

impl fmt::Debug for Avatar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Avatar")
            .field("png_bytes", &self.png.len())
            .finish()
    }
}

fn check_size(width: u32, height: u32) -> Result<(), CardError> {
    if width == 0 || height == 0 {
        return Err(CardError::BadImage("empty image".into()));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(CardError::ImageTooLarge { width, height });
    }
    Ok(())
}

fn decode_png(bytes: &[u8]) -> Result<Pixmap, CardError> {
    // IHDR is always first: width and height sit at bytes 16..24, read before decoding.
    let header = bytes
        .get(16..24)
        .ok_or_else(|| CardError::BadImage("truncated PNG".into()))?;
    let width = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    let height = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
    check_size(width, height)?;
    Pixmap::decode_png(bytes).map_err(|e| CardError::BadImage(e.to_string()))
}

fn decode_jpeg(bytes: &[u8]) -> Result<Pixmap, CardError> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;

    let bad = |e: &dyn fmt::Display| CardError::BadImage(e.to_string());
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGBA);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(|e| bad(&e))?;
    let (width, height) = decoder
        .dimensions()
        .ok_or_else(|| CardError::BadImage("JPEG without dimensions".into()))?;
    check_size(width as u32, height as u32)?;
    let rgba = decoder.decode().map_err(|e| bad(&e))?;
    if decoder.output_colorspace() != Some(ColorSpace::RGBA) {
        return Err(CardError::BadImage("JPEG did not decode to RGBA".into()));
    }
    // Opaque pixels are their own premultiplied form, which is what Pixmap holds.
    let size = IntSize::from_wh(width as u32, height as u32)
        .ok_or_else(|| CardError::BadImage("empty image".into()))?;
    Pixmap::from_vec(rgba, size).ok_or_else(|| CardError::BadImage("JPEG size mismatch".into()))
}

/// Scales `source` to fill a `side`×`side` square, cropping the overflow evenly, the way
/// CSS `object-fit: cover` would.
fn cover(source: &Pixmap, side: u32) -> Result<Pixmap, CardError> {
    let mut out =
        Pixmap::new(side, side).ok_or_else(|| CardError::BadImage("empty image".into()))?;
    let (w, h) = (source.width() as f32, source.height() as f32);
    let scale = side as f32 / w.min(h);
    let dx = (side as f32 - w * scale) / 2.0;
    let dy = (side as f32 - h * scale) / 2.0;
    let paint = PixmapPaint {
        quality: FilterQuality::Bicubic,
        ..PixmapPaint::default()
    };
    // Cut to the card's circle here, once: a clip-path in the template would cost a
    // full-card mask on every render.
    let half = side as f32 / 2.0;
    let circle = PathBuilder::from_circle(half, half, half)
        .ok_or_else(|| CardError::BadImage("empty image".into()))?;
    let mut mask =
        Mask::new(side, side).ok_or_else(|| CardError::BadImage("empty image".into()))?;
    mask.fill_path(&circle, FillRule::Winding, true, Transform::identity());
    out.draw_pixmap(
        0,
        0,
        source.as_ref(),
        &paint,
        Transform::from_row(scale, 0.0, 0.0, scale, dx, dy),
        Some(&mask),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use resvg::tiny_skia::Color;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut pixmap = Pixmap::new(width, height).unwrap();
        pixmap.fill(Color::from_rgba8(10, 200, 30, 255));
        pixmap.encode_png().unwrap()
    }

    #[test]
    fn any_png_becomes_a_square_of_the_avatar_size() {
        for (w, h) in [(1, 1), (64, 64), (300, 100), (50, 700)] {
            let avatar = Avatar::from_bytes(&png(w, h)).unwrap();
            let back = Pixmap::decode_png(avatar.png()).unwrap();
            assert_eq!((back.width(), back.height()), (AVATAR_SIDE, AVATAR_SIDE));
            // Covered edge to edge (the circle touches every side), transparent in the corners.
            let mid = AVATAR_SIDE / 2;
            for (x, y) in [
                (1, mid),
                (AVATAR_SIDE - 2, mid),
                (mid, 1),
                (mid, AVATAR_SIDE - 2),
            ] {
                assert!(back.pixel(x, y).unwrap().alpha() > 200, "({x}, {y})");
            }
            assert_eq!(back.pixel(0, 0).unwrap().alpha(), 0);
            assert!(avatar.data_url().starts_with("data:image/png;base64,iVBOR"));
        }
    }

    #[test]
    fn a_jpeg_decodes_and_is_cropped_to_its_centre() {
        // 48×32, orange left half, teal right half (made with cjpeg).
        let jpeg = include_bytes!("../tests/fixtures/avatar.jpg");
        let avatar = Avatar::from_bytes(jpeg).unwrap();
        let back = Pixmap::decode_png(avatar.png()).unwrap();
        assert_eq!((back.width(), back.height()), (AVATAR_SIDE, AVATAR_SIDE));
        let near = |(x, y): (u32, u32), (r, g, b): (u8, u8, u8)| {
            let p = back.pixel(x, y).unwrap();
            let close = |a: u8, b: u8| a.abs_diff(b) < 24;
            assert!(
                p.alpha() == 255 && close(p.red(), r) && close(p.green(), g) && close(p.blue(), b),
                "({x}, {y}) is {p:?}"
            );
        };
        near((40, 96), (0xf0, 0x80, 0x20));
        near((150, 96), (0x20, 0xa0, 0xa0));
    }

    #[test]
    fn rejects_other_formats_and_garbage() {
        assert_eq!(Avatar::from_bytes(b""), Err(CardError::UnsupportedImage));
        assert_eq!(
            Avatar::from_bytes(b"GIF89a\x01\x00"),
            Err(CardError::UnsupportedImage)
        );
        assert_eq!(
            Avatar::from_bytes(b"RIFF\0\0\0\0WEBPVP8 "),
            Err(CardError::UnsupportedImage)
        );
        assert_eq!(
            Avatar::from_bytes(b"<svg/>"),
            Err(CardError::UnsupportedImage)
        );
        let mut truncated = png(20, 20);
        truncated.truncate(40);
        assert!(matches!(
            Avatar::from_bytes(&truncated),
            Err(CardError::BadImage(_))
        ));
        assert!(matches!(
            Avatar::from_bytes(b"\xff\xd8\xff\xe0garbage"),
            Err(CardError::BadImage(_))
        ));
    }

    #[test]
    fn rejects_a_huge_raster_before_decoding_it() {
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        assert_eq!(
            Avatar::from_bytes(&bomb),
            Err(CardError::ImageTooLarge {
                width: 100_000,
                height: 1
            })
        );
    }
}
