//! How far the `micromath` feature's approximations are from libm: the largest absolute and
//! relative error of each function picogan's `math` module routes to micromath, over a dense grid
//! of each function's working range.
//!
//! Run: `cargo run --release -p picogan --features micromath --example micromath_error`

use picogan::math;

/// (largest absolute error, largest relative error where |exact| > 0.01) of `fast` against
/// `exact` on `points`.
fn errors(
    points: impl Iterator<Item = f32>,
    fast: impl Fn(f32) -> f32,
    exact: impl Fn(f32) -> f32,
) -> (f64, f64) {
    points.fold((0.0, 0.0), |(abs, rel), x| {
        let (a, b) = (f64::from(fast(x)), f64::from(exact(x)));
        let d = (a - b).abs();
        (
            abs.max(d),
            if b.abs() > 1e-2 {
                rel.max(d / b.abs())
            } else {
                rel
            },
        )
    })
}

fn grid(lo: f32, hi: f32) -> impl Iterator<Item = f32> {
    (0..=100_000).map(move |i| lo + (hi - lo) * i as f32 / 100_000.0)
}

fn main() {
    let rows: [(&str, &str, (f64, f64)); 6] = [
        (
            "exp",
            "[-10, 10]",
            errors(grid(-10.0, 10.0), math::exp, libm::expf),
        ),
        (
            "ln",
            "[1e-6, 100]",
            errors(grid(1e-6, 100.0), math::ln, libm::logf),
        ),
        (
            "ln_1p",
            "[-0.9, 10]",
            errors(grid(-0.9, 10.0), math::ln_1p, libm::log1pf),
        ),
        (
            "sqrt",
            "[0, 100]",
            errors(grid(0.0, 100.0), math::sqrt, libm::sqrtf),
        ),
        (
            "tanh",
            "[-10, 10]",
            errors(grid(-10.0, 10.0), math::tanh, libm::tanhf),
        ),
        (
            "sin (of sin_cos)",
            "[0, 2π]",
            errors(
                grid(0.0, core::f32::consts::TAU),
                |x| math::sin_cos(x).0,
                libm::sinf,
            ),
        ),
    ];
    println!(
        "| function | range | largest absolute error | largest relative error (where |f| > 0.01) |"
    );
    println!("|---|---|---|---|");
    for (name, range, (abs, rel)) in rows {
        println!("| {name} | {range} | {abs:.2e} | {rel:.2e} |");
    }
}
