//! Confusion-matrix heat-map with counts and class labels.

use super::axes::{MARGIN, TEXT_SCALE};
use crate::canvas::{Align, Canvas};
use crate::color::{ColorRamp, Rgba};
use crate::error::{ReportError, Result};
use crate::font;
use crate::run_files::{ConfusionData, MatrixRows};

/// Longest class name drawn (longer names are cut with "..").
const MAX_LABEL_CHARS: usize = 16;

/// Where the cells of a rendered heat-map are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatmapLayout {
    /// Left edge of cell (0, 0) in image pixels.
    pub x: usize,
    /// Top edge of cell (0, 0) in image pixels.
    pub y: usize,
    /// Cell side in pixels.
    pub cell: usize,
    /// Number of classes (cells per row and column).
    pub n: usize,
}

impl HeatmapLayout {
    /// Centre pixel of cell (`row`, `col`).
    pub fn cell_center(&self, row: usize, col: usize) -> (usize, usize) {
        (self.x + col * self.cell + self.cell / 2, self.y + row * self.cell + self.cell / 2)
    }
}

fn short(name: &str) -> String {
    if name.chars().count() <= MAX_LABEL_CHARS {
        name.to_string()
    } else {
        name.chars().take(MAX_LABEL_CHARS - 2).chain("..".chars()).collect()
    }
}

/// Render a confusion matrix. Cell colour is the count's share of its row
/// (white to dark blue), so rows of rare classes stay readable; the cell text
/// is the count. Axis titles follow [`ConfusionData::rows`].
pub fn confusion_heatmap(cm: &ConfusionData, title: &str) -> Result<(Canvas, HeatmapLayout)> {
    let n = cm.classes.len();
    if n == 0 {
        return Err(ReportError::Invalid("confusion matrix has no classes".into()));
    }
    if cm.matrix.len() != n || cm.matrix.iter().any(|r| r.len() != n) {
        return Err(ReportError::Invalid(format!("confusion matrix must be {n}x{n} for {n} classes")));
    }
    let names: Vec<String> = cm.classes.iter().map(|c| short(c)).collect();
    let th = font::text_height(TEXT_SCALE);
    let label_w = names.iter().map(|s| font::text_width(s, TEXT_SCALE)).max().unwrap_or(0);
    let max_count = cm.matrix.iter().flatten().copied().max().unwrap_or(0);
    let count_w = font::text_width(&max_count.to_string(), 1);
    let cell = (640 / n).clamp(28, 72).max(count_w + 6);
    let (row_title, col_title) = match cm.rows {
        MatrixRows::Map => ("Map class (rows)", "Reference class (columns)"),
        MatrixRows::Reference => ("Reference class (rows)", "Map class (columns)"),
    };
    let title_h = if title.is_empty() { 0 } else { th + 14 };
    let x0 = MARGIN + th + 16 + label_w + 8;
    let y0 = MARGIN + title_h + th + 10 + label_w + 8;
    let grid = cell * n;
    let width = (x0 + grid + MARGIN).max(MARGIN * 2 + font::text_width(title, TEXT_SCALE));
    let height = y0 + grid + MARGIN;
    let mut c = Canvas::new(width, height, Rgba::WHITE);
    if !title.is_empty() {
        c.text((width / 2) as i64, MARGIN as i64, title, TEXT_SCALE, Align::Center, Rgba::INK);
    }
    // Axis titles: columns above the column labels, rows vertical at the left.
    c.text((x0 + grid / 2) as i64, (MARGIN + title_h) as i64, col_title, TEXT_SCALE, Align::Center, Rgba::INK);
    c.text_vertical(MARGIN as i64, (y0 + grid / 2) as i64, row_title, TEXT_SCALE, Rgba::INK);
    for (i, name) in names.iter().enumerate() {
        let mid = (i * cell + cell / 2) as i64;
        c.text((x0 - 8) as i64, y0 as i64 + mid - th as i64 / 2, name, TEXT_SCALE, Align::Right, Rgba::INK);
        // Column labels read bottom-to-top, ending just above the grid.
        let w = font::text_width(name, TEXT_SCALE) as i64;
        c.text_vertical(x0 as i64 + mid - th as i64 / 2, y0 as i64 - 8 - w / 2, name, TEXT_SCALE, Rgba::INK);
    }
    for (r, row) in cm.matrix.iter().enumerate() {
        let total: u64 = row.iter().sum();
        for (col, &count) in row.iter().enumerate() {
            let share = if total > 0 { count as f32 / total as f32 } else { 0.0 };
            let fill = ColorRamp::Blues.at(share);
            let (x, y) = ((x0 + col * cell) as i64, (y0 + r * cell) as i64);
            c.fill_rect(x, y, cell as i64, cell as i64, fill);
            let text = count.to_string();
            let scale = if font::text_width(&text, 2) + 6 <= cell { 2 } else { 1 };
            let ty = y + (cell as i64 - font::text_height(scale) as i64) / 2;
            c.text(x + cell as i64 / 2, ty, &text, scale, Align::Center, fill.contrasting_text());
        }
    }
    for i in 0..=n {
        let p = (i * cell) as i64;
        c.fill_rect(x0 as i64 + p, y0 as i64, 1, grid as i64 + 1, Rgba::rgb(200, 200, 200));
        c.fill_rect(x0 as i64, y0 as i64 + p, grid as i64 + 1, 1, Rgba::rgb(200, 200, 200));
    }
    Ok((c, HeatmapLayout { x: x0, y: y0, cell, n }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_shades_follow_row_shares() {
        let cm = ConfusionData {
            classes: vec!["water".into(), "forest".into(), "a very long class name indeed".into()],
            matrix: vec![vec![90, 10, 0], vec![5, 5, 0], vec![0, 0, 0]],
            rows: MatrixRows::Map,
        };
        let (c, l) = confusion_heatmap(&cm, "Confusion").unwrap();
        assert_eq!(l.n, 3);
        assert!(l.x + 3 * l.cell <= c.width() && l.y + 3 * l.cell <= c.height());
        // corner pixels of cells (away from the count text)
        let px = |r: usize, col: usize| c.get(l.x + col * l.cell + 2, l.y + r * l.cell + 2).unwrap();
        assert_eq!(px(0, 0), ColorRamp::Blues.at(0.9));
        assert_eq!(px(1, 0), ColorRamp::Blues.at(0.5));
        assert_eq!(px(0, 2), ColorRamp::Blues.at(0.0));
        assert!(px(0, 0).luma() < px(0, 1).luma());
        // count text drawn in the dark cell in a contrasting colour
        let (cx, cy) = l.cell_center(0, 0);
        let ink = (cx - 10..cx + 10).flat_map(|x| (cy - 7..cy + 7).map(move |y| (x, y))).filter(|&(x, y)| c.get(x, y) == Some(Rgba::WHITE)).count();
        assert!(ink > 5);
    }

    #[test]
    fn rejects_ragged_matrix() {
        let cm = ConfusionData { classes: vec!["a".into(), "b".into()], matrix: vec![vec![1, 2], vec![3]], rows: MatrixRows::Map };
        assert!(confusion_heatmap(&cm, "").is_err());
        let empty = ConfusionData { classes: vec![], matrix: vec![], rows: MatrixRows::Map };
        assert!(confusion_heatmap(&empty, "").is_err());
    }
}
