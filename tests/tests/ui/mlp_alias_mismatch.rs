// A declared 2 → 8 → 1 network built from a layer with 3 inputs does not type-check.
use picogan::{Activation, Dense, Mlp2};

fn main() {
    let _network: Mlp2<2, 8, 1> = (Dense::<3, 8>::new(Activation::Relu), Dense::new(Activation::Identity));
}
