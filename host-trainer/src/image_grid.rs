//! Samples of image data drawn as pictures: grids of grey images, for the trainer's
//! `samples.png` and `picogan sample --png`.

use std::path::Path;

use anyhow::Result;
use picogan::model::ImageShape;
use plotters::prelude::*;

use crate::plot::{draw_sized, plot_error};

/// Screen pixels per image pixel side, for images up to 8 pixels a side; larger images get
/// fewer, so that each image is about 48 screen pixels wide.
const IMAGE_SIDE: usize = 48;
/// Screen pixels between images.
const GAP: usize = 4;
/// Screen pixels above the grid, for its title.
const TITLE: usize = 28;
/// Screen pixels left of the grid, for the row names.
const ROW_NAMES: usize = 64;

/// One row of a grid: a name, then cells, each an image (`shape.pixels()` values, rows of
/// `shape.width`) or an empty cell.
pub struct Row<'a> {
    /// Shown left of the row (for example the class).
    pub name: String,
    /// The row's cells, left to right.
    pub cells: Vec<Option<&'a [f32]>>,
}

/// A grid of images: `rows` under `title`, each value v drawn as a grey from white at `range.0`
/// (background) to black at `range.1` (ink), clamped.
pub struct Grid<'a> {
    /// The images' shape.
    pub shape: ImageShape,
    /// The values drawn white and black.
    pub range: (f32, f32),
    /// The title above the grid.
    pub title: String,
    /// The rows, top to bottom.
    pub rows: Vec<Row<'a>>,
}

impl Grid<'_> {
    /// Screen pixels per image pixel side.
    fn zoom(&self) -> usize {
        (IMAGE_SIDE / self.shape.width.max(self.shape.height)).max(1)
    }

    /// Screen pixels from one cell's left (or top) edge to the next one's.
    fn pitch(&self) -> (usize, usize) {
        let zoom = self.zoom();
        (
            self.shape.width * zoom + GAP,
            self.shape.height * zoom + GAP,
        )
    }

    /// The picture's size in screen pixels.
    fn size(&self) -> (u32, u32) {
        let columns = self.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
        let (across, down) = self.pitch();
        let width = (ROW_NAMES + columns * across + GAP).max(320);
        let height = TITLE + self.rows.len() * down + GAP;
        (width as u32, height as u32)
    }

    /// The grey of value `v`: 255 at `range.0`, 0 at `range.1`.
    fn grey(&self, v: f32) -> u8 {
        let (low, high) = self.range;
        let ink = if high > low {
            ((v - low) / (high - low)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (255.0 * (1.0 - ink)).round() as u8
    }

    /// Writes the grid as a PNG at `path`, atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        draw_sized(path, self.size(), |area| self.draw(area))
    }

    fn draw(&self, area: &crate::plot::Area<'_>) -> Result<()> {
        let text = ("sans-serif", 16).into_font().color(&BLACK);
        area.draw_text(&self.title, &text, (GAP as i32, 6))
            .map_err(plot_error)?;
        let zoom = self.zoom();
        let (across, down) = self.pitch();
        let (width, pixels) = (self.shape.width, self.shape.pixels());
        for (r, row) in self.rows.iter().enumerate() {
            let top = TITLE + r * down;
            let name_at = (GAP as i32, (top + down / 2) as i32 - 8);
            area.draw_text(&row.name, &text, name_at)
                .map_err(plot_error)?;
            for (c, cell) in row.cells.iter().enumerate() {
                let Some(image) = cell else { continue };
                let left = ROW_NAMES + c * across;
                for (p, &v) in image.iter().take(pixels).enumerate() {
                    let grey = self.grey(v);
                    let (x, y) = (left + p % width * zoom, top + p / width * zoom);
                    let corner = |dx: usize, dy: usize| ((x + dx) as i32, (y + dy) as i32);
                    area.draw(&Rectangle::new(
                        [corner(0, 0), corner(zoom - 1, zoom - 1)],
                        RGBColor(grey, grey, grey).filled(),
                    ))
                    .map_err(plot_error)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_map_from_white_to_black_and_clamp() {
        let grid = Grid {
            shape: ImageShape {
                width: 2,
                height: 1,
            },
            range: (0.0, 16.0),
            title: String::new(),
            rows: Vec::new(),
        };
        assert_eq!(
            [-3.0, 0.0, 8.0, 16.0, 40.0].map(|v| grid.grey(v)),
            [255, 255, 128, 0, 0]
        );
        assert_eq!(grid.zoom(), 24);
    }

    #[test]
    fn a_grid_is_written_as_a_png_of_its_size() {
        let image = [0.0, 1.0, 1.0, 0.0];
        let grid = Grid {
            shape: ImageShape {
                width: 2,
                height: 2,
            },
            range: (0.0, 1.0),
            title: "two".into(),
            rows: vec![Row {
                name: "a".into(),
                cells: vec![Some(&image[..]), None, Some(&image[..])],
            }],
        };
        let folder = std::env::temp_dir().join(format!("picogan-grid-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("grid.png");
        grid.write(&path).unwrap();
        let picture = image::open(&path).unwrap().to_rgb8();
        assert_eq!(picture.dimensions(), grid.size());
        // The first image's top-right pixel is ink, its top-left background.
        let (x, y) = ((ROW_NAMES + 24 + 1) as u32, (TITLE + 1) as u32);
        assert_eq!(picture.get_pixel(x, y).0, [0, 0, 0]);
        assert_eq!(picture.get_pixel(x - 24, y).0, [255, 255, 255]);
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
