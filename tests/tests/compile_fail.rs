//! Shape mismatches between consecutive layers must not compile.

#[test]
fn shape_mismatches_do_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
