// A 2 → 3 layer followed by a 4 → 1 layer: the pair is not a network, so it has no `forward`.
use picogan::{Activation, Dense, Layer};

fn main() {
    let network = (Dense::<2, 3>::new(Activation::Relu), Dense::<4, 1>::new(Activation::Identity));
    let _ = network.forward(&[0.0, 0.0]);
}
