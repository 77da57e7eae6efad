//! Any UTF-8 text: the pattern parser must return, never panic; what parses must print to
//! text that parses back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(pattern) = stix_model::pattern::parse(text) {
        let printed = pattern.to_string();
        let reparsed = stix_model::pattern::parse(&printed);
        assert_eq!(reparsed.as_ref(), Ok(&pattern), "{printed}");
    }
});
