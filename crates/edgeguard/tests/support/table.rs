//! `table_tests!`: a table of cases where each row stays a named test. Shared by the library's
//! test binary (`support::table_tests`) and the CLI's (`cli_spec.rs` includes this file).

/// One `#[test]` per row: `name: input => expected,` expands to
/// `#[test] fn name() { check(input, expected) }` (a row without `=> expected` to
/// `check(input)`), so a run of near-identical tests reads as a table with every input in view
/// and still reports, and can be run, case by case under the name of the behaviour it shows.
/// Attributes before a row (doc comments, `#[ignore]`) go onto its test.
macro_rules! table_tests {
    ($check:expr; $($(#[$attr:meta])* $name:ident: $input:expr $(=> $expected:expr)?),+ $(,)?) => {
        $(
            $(#[$attr])*
            #[test]
            fn $name() {
                ($check)($input $(, $expected)?)
            }
        )+
    };
}
pub(crate) use table_tests;
