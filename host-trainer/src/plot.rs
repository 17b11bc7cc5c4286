//! PNG plots of a run: samples over the data, the discriminator's D(x), the losses, the modes.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf32;
use plotters::prelude::*;

use crate::checkpoint::LossRecord;
use crate::data::Dataset;
use crate::files::write_atomic;

const SIZE: (u32, u32) = (800, 600);
const REAL: RGBAColor = RGBAColor(90, 90, 90, 0.5);
const FAKE: RGBAColor = RGBAColor(30, 100, 220, 0.6);

/// What the plots are drawn from.
pub struct Inputs<'a> {
    /// Output folder.
    pub out: &'a Path,
    /// The data set.
    pub dataset: &'a Dataset,
    /// Values per sample (1 or 2).
    pub dim: usize,
    /// Real samples, flattened.
    pub real: &'a [f32],
    /// Generated samples, flattened.
    pub generated: &'a [f32],
    /// A conditional model's label of each generated sample (empty otherwise): one colour a
    /// class.
    pub labels: &'a [usize],
    /// Loss records.
    pub history: &'a [LossRecord],
    /// D(x) = σ(logit) at a point.
    pub discriminator: &'a dyn Fn(&[f32]) -> f32,
    /// Whether the points are projections on two principal components (set by [`all`]).
    pub projected: bool,
}

impl Inputs<'_> {
    /// The data set's name, and the projection if any, for titles.
    fn title(&self) -> String {
        if self.projected {
            format!("{} (principal components 1, 2)", self.dataset.name())
        } else {
            self.dataset.name()
        }
    }
}

/// The plane through the mean of `data` (rows of `dim` values) spanned by its first two
/// principal components, found by power iteration on the covariance matrix (with the first
/// component deflated for the second): (mean, [v₁, v₂]).
fn principal_plane(data: &[f32], dim: usize) -> (Vec<f64>, [Vec<f64>; 2]) {
    let rows = (data.len() / dim).max(1) as f64;
    let mut mean = vec![0.0f64; dim];
    for row in data.chunks_exact(dim) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v) / rows;
        }
    }
    let mut covariance = vec![0.0f64; dim * dim];
    for row in data.chunks_exact(dim) {
        for i in 0..dim {
            for j in 0..dim {
                let (a, b) = (f64::from(row[i]) - mean[i], f64::from(row[j]) - mean[j]);
                covariance[i * dim + j] += a * b / rows;
            }
        }
    }
    let mut axes: [Vec<f64>; 2] = [vec![0.0; dim], vec![0.0; dim]];
    for a in 0..2 {
        // A fixed start that is not orthogonal to any axis in practice.
        let mut v: Vec<f64> = (0..dim)
            .map(|i| 1.0 + (i as f64 + a as f64) * 0.37)
            .collect();
        for _ in 0..200 {
            let mut next: Vec<f64> = (0..dim)
                .map(|i| (0..dim).map(|j| covariance[i * dim + j] * v[j]).sum())
                .collect();
            if a == 1 {
                let along: f64 = next.iter().zip(&axes[0]).map(|(x, y)| x * y).sum();
                for (x, y) in next.iter_mut().zip(&axes[0]) {
                    *x -= along * y;
                }
            }
            let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm < 1e-12 {
                break;
            }
            v = next.iter().map(|x| x / norm).collect();
        }
        axes[a] = v;
    }
    (mean, axes)
}

/// Draws every plot that applies and returns their paths. Data of more than two dimensions is
/// shown on the plane of the real data's first two principal components, D included, and as
/// pairwise scatters of its first four columns (`pairs.png`).
pub fn all(inputs: &Inputs<'_>) -> Result<Vec<PathBuf>> {
    if inputs.dim <= 2 {
        return all_planar(inputs, inputs);
    }
    let pairs = draw(inputs.out, "pairs.png", |area| pairs(area, inputs))?;
    let (mean, axes) = principal_plane(inputs.real, inputs.dim);
    let project = |data: &[f32]| -> Vec<f32> {
        data.chunks_exact(inputs.dim)
            .flat_map(|row| {
                axes.clone().map(|axis| {
                    row.iter()
                        .zip(&mean)
                        .zip(&axis)
                        .map(|((&v, m), a)| (f64::from(v) - m) * a)
                        .sum::<f64>() as f32
                })
            })
            .collect()
    };
    let (real, generated) = (project(inputs.real), project(inputs.generated));
    let discriminator = |point: &[f32]| {
        let x: Vec<f32> = (0..inputs.dim)
            .map(|i| {
                (mean[i] + f64::from(point[0]) * axes[0][i] + f64::from(point[1]) * axes[1][i])
                    as f32
            })
            .collect();
        (inputs.discriminator)(&x)
    };
    let planar = Inputs {
        dim: 2,
        real: &real,
        generated: &generated,
        discriminator: &discriminator,
        projected: true,
        ..*inputs
    };
    let mut written = all_planar(&planar, inputs)?;
    written.insert(1, pairs);
    Ok(written)
}

/// Columns shown in `pairs.png`.
const PAIR_COLUMNS: usize = 4;

/// A grid of scatters, column i against column j for the first [`PAIR_COLUMNS`] columns: real
/// (grey) under generated (blue, or one colour a class); the diagonal names the column.
fn pairs(area: &Area<'_>, inputs: &Inputs<'_>) -> Result<()> {
    let n = inputs.dim.min(PAIR_COLUMNS);
    let (title, grid) = area.split_vertically(40);
    title
        .titled(
            &format!(
                "{}: columns 1 to {n} in pairs, real (grey) and generated ({})",
                inputs.dataset.name(),
                if inputs.labels.is_empty() {
                    "blue"
                } else {
                    "by class"
                }
            ),
            ("sans-serif", 20),
        )
        .map_err(plot_error)?;
    let cells = grid.split_evenly((n, n));
    for (cell, area) in cells.iter().enumerate() {
        let (row, column) = (cell / n, cell % n);
        if row == column {
            area.draw(&Text::new(
                format!("column {}", row + 1),
                (20, 20),
                ("sans-serif", 16),
            ))
            .map_err(plot_error)?;
            continue;
        }
        let (x0, x1) = bounds(inputs, column);
        let (y0, y1) = bounds(inputs, row);
        let mut chart = ChartBuilder::on(area)
            .margin(4)
            .x_label_area_size(18)
            .y_label_area_size(30)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(3)
            .y_labels(3)
            .label_style(("sans-serif", 10))
            .draw()
            .map_err(plot_error)?;
        let dim = inputs.dim;
        let point = |p: &[f32]| (p[column], p[row]);
        chart
            .draw_series(
                inputs
                    .real
                    .chunks_exact(dim)
                    .map(|p| Circle::new(point(p), 1, REAL.filled())),
            )
            .map_err(plot_error)?;
        chart
            .draw_series(
                inputs
                    .generated
                    .chunks_exact(dim)
                    .enumerate()
                    .map(|(i, p)| Circle::new(point(p), 1, generated_color(inputs, i).filled())),
            )
            .map_err(plot_error)?;
    }
    Ok(())
}

/// The colour of generated sample `index`: blue, or its class's for a conditional model.
fn generated_color(inputs: &Inputs<'_>, index: usize) -> RGBAColor {
    match inputs.labels.get(index) {
        Some(&label) => Palette99::pick(label).mix(0.7),
        None => FAKE,
    }
}

/// [`all`] for data of one or two dimensions (`inputs`, perhaps projected), with the mode plot
/// drawn from the data itself (`original`).
fn all_planar(inputs: &Inputs<'_>, original: &Inputs<'_>) -> Result<Vec<PathBuf>> {
    // Image data's `samples.png` is a grid of images (`image_grid`); the points go beside it.
    let samples_file = if original.dataset.image().is_some() {
        "projection.png"
    } else {
        "samples.png"
    };
    let mut written = vec![
        draw(inputs.out, samples_file, |area| samples(area, inputs))?,
        draw(inputs.out, "discriminator.png", |area| {
            discriminator(area, inputs)
        })?,
        draw(inputs.out, "losses.png", |area| {
            losses(area, inputs.history)
        })?,
    ];
    if original.dataset.modes().is_some() {
        written.push(draw(inputs.out, "modes.png", |area| modes(area, original))?);
    }
    Ok(written)
}

pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Renders a plot of [`SIZE`] into memory, then writes the PNG `out/name` atomically.
pub(crate) fn draw(
    out: &Path,
    name: &str,
    plot: impl FnOnce(&Area<'_>) -> Result<()>,
) -> Result<PathBuf> {
    let path = out.join(name);
    draw_sized(&path, SIZE, plot)?;
    Ok(path)
}

/// Renders a picture of `size` pixels into memory, then writes the PNG `path` atomically.
pub(crate) fn draw_sized(
    path: &Path,
    size: (u32, u32),
    plot: impl FnOnce(&Area<'_>) -> Result<()>,
) -> Result<()> {
    let name = path.display();
    let mut pixels = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        area.fill(&WHITE).map_err(|e| anyhow!("{name}: {e}"))?;
        plot(&area)?;
        area.present().map_err(|e| anyhow!("{name}: {e}"))?;
    }
    let mut png = Vec::new();
    encode_png(&pixels, size, &mut png)?;
    write_atomic(path, &png)
}

/// PNG encoding of an RGB buffer of `size` pixels, through the `image` crate plotters depends on.
fn encode_png(pixels: &[u8], size: (u32, u32), png: &mut Vec<u8>) -> Result<()> {
    use image::ImageEncoder;
    image::codecs::png::PngEncoder::new(png)
        .write_image(pixels, size.0, size.1, image::ColorType::Rgb8)
        .map_err(|e| anyhow!("encoding a PNG: {e}"))
}

/// (min, max) of coordinate `axis` over the real samples and the central 98% of the generated
/// ones, padded by 10%.
fn bounds(inputs: &Inputs<'_>, axis: usize) -> (f32, f32) {
    let pick =
        |data: &[f32]| -> Vec<f32> { data.chunks_exact(inputs.dim).map(|p| p[axis]).collect() };
    let real = pick(inputs.real);
    let mut fake = pick(inputs.generated);
    fake.sort_by(f32::total_cmp);
    let (lo_fake, hi_fake) = if fake.is_empty() {
        (f32::INFINITY, f32::NEG_INFINITY)
    } else {
        (fake[fake.len() / 100], fake[fake.len() * 99 / 100])
    };
    let lo = real.iter().copied().fold(lo_fake, f32::min);
    let hi = real.iter().copied().fold(hi_fake, f32::max);
    let pad = 0.1 * (hi - lo).max(1e-3);
    (lo - pad, hi + pad)
}

pub(crate) fn plot_error<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing a plot: {e}")
}

pub(crate) type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf32, RangedCoordf32>>;

/// A titled chart over `x` × `y` with its axes drawn.
pub(crate) fn chart<'a, 'b>(
    area: &'a Area<'b>,
    title: impl AsRef<str>,
    x: Range<f32>,
    y: Range<f32>,
) -> Result<Chart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title.as_ref(), ("sans-serif", 22))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(x, y)
        .map_err(plot_error)?;
    chart.configure_mesh().draw().map_err(plot_error)?;
    Ok(chart)
}

fn samples(area: &Area<'_>, inputs: &Inputs<'_>) -> Result<()> {
    let (x0, x1) = bounds(inputs, 0);
    if inputs.dim == 1 {
        return histograms(area, inputs, (x0, x1), None);
    }
    let (y0, y1) = bounds(inputs, 1);
    let generated = if inputs.labels.is_empty() {
        "blue"
    } else {
        "one colour a class"
    };
    let mut chart = chart(
        area,
        format!(
            "{}: real (grey) and generated ({generated})",
            inputs.title()
        ),
        x0..x1,
        y0..y1,
    )?;
    chart
        .draw_series(
            inputs
                .real
                .chunks_exact(2)
                .map(|p| Circle::new((p[0], p[1]), 2, REAL.filled())),
        )
        .map_err(plot_error)?;
    chart
        .draw_series(
            inputs
                .generated
                .chunks_exact(2)
                .enumerate()
                .map(|(i, p)| Circle::new((p[0], p[1]), 2, generated_color(inputs, i).filled())),
        )
        .map_err(plot_error)?;
    Ok(())
}

/// Real and generated histograms of 1-D samples, with an optional curve on [0, 1] over them.
fn histograms(
    area: &Area<'_>,
    inputs: &Inputs<'_>,
    (x0, x1): (f32, f32),
    curve: Option<&dyn Fn(f32) -> f32>,
) -> Result<()> {
    const BINS: usize = 60;
    let width = (x1 - x0) / BINS as f32;
    let histogram = |data: &[f32]| -> Vec<f32> {
        let mut counts = vec![0.0f32; BINS];
        for &x in data {
            let bin = ((x - x0) / width).floor();
            if bin >= 0.0 && (bin as usize) < BINS {
                counts[bin as usize] += 1.0;
            }
        }
        let peak = counts.iter().copied().fold(1.0, f32::max);
        counts.iter().map(|c| c / peak).collect()
    };
    let title = match curve {
        Some(_) => format!(
            "{}: D(x) (red) over real (grey) and generated (blue)",
            inputs.dataset.name()
        ),
        None => format!(
            "{}: real (grey) and generated (blue)",
            inputs.dataset.name()
        ),
    };
    let mut chart = chart(area, title, x0..x1, 0f32..1.05)?;
    for (data, color) in [(inputs.real, REAL), (inputs.generated, FAKE)] {
        let bars = histogram(data).into_iter().enumerate().map(|(i, h)| {
            let left = x0 + i as f32 * width;
            Rectangle::new([(left, 0.0), (left + width, h)], color.filled())
        });
        chart.draw_series(bars).map_err(plot_error)?;
    }
    if let Some(curve) = curve {
        let points = (0..=400).map(|i| {
            let x = x0 + (x1 - x0) * i as f32 / 400.0;
            (x, curve(x))
        });
        chart
            .draw_series(LineSeries::new(points, RED.stroke_width(2)))
            .map_err(plot_error)?;
    }
    Ok(())
}

/// Blue (0) through white (½) to red (1).
fn diverging(value: f32) -> RGBColor {
    let v = value.clamp(0.0, 1.0);
    let fade = |from: u8, t: f32| (f32::from(from) + (255.0 - f32::from(from)) * t) as u8;
    if v < 0.5 {
        let t = v / 0.5;
        RGBColor(fade(40, t), fade(90, t), fade(200, t).max(200))
    } else {
        let t = (1.0 - v) / 0.5;
        RGBColor(fade(200, t).max(200), fade(40, t), fade(40, t))
    }
}

fn discriminator(area: &Area<'_>, inputs: &Inputs<'_>) -> Result<()> {
    let (x0, x1) = bounds(inputs, 0);
    if inputs.dim == 1 {
        let d = |x: f32| (inputs.discriminator)(&[x]);
        return histograms(area, inputs, (x0, x1), Some(&d));
    }
    let (y0, y1) = bounds(inputs, 1);
    const CELLS: usize = 120;
    let mut chart = chart(
        area,
        format!(
            "{}: D(x), blue 0 to red 1, real samples in black",
            inputs.title()
        ),
        x0..x1,
        y0..y1,
    )?;
    let (dx, dy) = ((x1 - x0) / CELLS as f32, (y1 - y0) / CELLS as f32);
    let cells = (0..CELLS)
        .flat_map(|i| (0..CELLS).map(move |j| (i, j)))
        .map(|(i, j)| {
            let (x, y) = (x0 + i as f32 * dx, y0 + j as f32 * dy);
            let value = (inputs.discriminator)(&[x + dx / 2.0, y + dy / 2.0]);
            Rectangle::new([(x, y), (x + dx, y + dy)], diverging(value).filled())
        });
    chart.draw_series(cells).map_err(plot_error)?;
    chart
        .draw_series(
            inputs
                .real
                .chunks_exact(2)
                .map(|p| Circle::new((p[0], p[1]), 1, BLACK.filled())),
        )
        .map_err(plot_error)?;
    Ok(())
}

fn losses(area: &Area<'_>, history: &[LossRecord]) -> Result<()> {
    let last = history.last().map_or(1, |r| r.step) as f32;
    let values = history
        .iter()
        .flat_map(|r| [r.discriminator, r.generator, r.r1]);
    let (lo, hi) = values.fold((0f32, 1f32), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let mut chart = chart(
        area,
        "losses: D (red), G (blue), R1 (green)",
        0f32..last,
        lo..hi * 1.05,
    )?;
    type Curve = fn(&LossRecord) -> f32;
    let series: [(Curve, RGBColor); 3] = [
        (|r| r.discriminator, RED),
        (|r| r.generator, BLUE),
        (|r| r.r1, GREEN),
    ];
    for (value, color) in series {
        chart
            .draw_series(LineSeries::new(
                history.iter().map(|r| (r.step as f32, value(r))),
                &color,
            ))
            .map_err(plot_error)?;
    }
    Ok(())
}

fn modes(area: &Area<'_>, inputs: &Inputs<'_>) -> Result<()> {
    let Some(modes) = inputs.dataset.modes() else {
        return Ok(());
    };
    let k = modes.means.len();
    let mut counts = vec![0u32; k];
    for sample in inputs.generated.chunks_exact(inputs.dim) {
        let (nearest, _) = crate::eval::nearest_mode(sample, &modes);
        counts[nearest] += 1;
    }
    let n = (inputs.generated.len() / inputs.dim) as f32;
    let top = counts.iter().copied().max().unwrap_or(1) as f32 * 1.1;
    let mut chart = chart(
        area,
        "samples nearest each mode (line: uniform)",
        0f32..k as f32,
        0f32..top,
    )?;
    chart
        .draw_series(counts.iter().enumerate().map(|(i, &c)| {
            Rectangle::new(
                [(i as f32 + 0.1, 0.0), (i as f32 + 0.9, c as f32)],
                FAKE.filled(),
            )
        }))
        .map_err(plot_error)?;
    let uniform = n / k as f32;
    chart
        .draw_series(LineSeries::new(
            [(0.0, uniform), (k as f32, uniform)],
            BLACK.stroke_width(2),
        ))
        .map_err(plot_error)?;
    Ok(())
}

/// One labelled curve of [`curves`].
pub(crate) struct Curve {
    /// Legend text.
    pub label: String,
    /// Line colour.
    pub color: RGBColor,
    /// (x, y) points in order.
    pub points: Vec<(f32, f32)>,
}

/// Curves over `x` × `y` with a legend.
pub(crate) fn curves(
    area: &Area<'_>,
    title: &str,
    x: Range<f32>,
    y: Range<f32>,
    curves: &[Curve],
) -> Result<()> {
    let mut chart = chart(area, title, x, y)?;
    for curve in curves {
        let color = curve.color;
        chart
            .draw_series(LineSeries::new(
                curve.points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(plot_error)?
            .label(curve.label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(plot_error)?;
    Ok(())
}
