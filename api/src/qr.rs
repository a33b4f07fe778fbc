//! QR codes as PNG images, for attestations scanned from a screen or paper.

use qrcode::{Color, EcLevel, QrCode};

/// Pixels per QR module.
const SCALE: usize = 4;
/// Light modules around the symbol (ISO/IEC 18004 asks for four).
const QUIET_ZONE: usize = 4;

/// `data` as a black-on-white PNG; error correction level M.
pub fn png(data: &[u8]) -> Result<Vec<u8>, String> {
    let code = QrCode::with_error_correction_level(data, EcLevel::M).map_err(|e| e.to_string())?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (row, column) = (index / modules + QUIET_ZONE, index % modules + QUIET_ZONE);
        for y in row * SCALE..(row + 1) * SCALE {
            if let Some(line) = pixels.get_mut(y * side + column * SCALE..y * side + (column + 1) * SCALE) {
                line.fill(0);
            }
        }
    }
    let side = u32::try_from(side).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&pixels).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_a_png() {
        let image = super::png(b"eyJhbGciOiJFZERTQSJ9.e30.sig").expect("png");
        assert_eq!(image.get(..8), Some(&b"\x89PNG\r\n\x1a\n"[..]));
    }
}
