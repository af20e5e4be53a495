//! `schema/schema.graphql` is the SDL frontend teams read and generate code from. This test
//! writes the current SDL there and fails when that changed the file, so a schema change never
//! lands without the committed file.

use std::path::Path;

#[test]
fn committed_sdl_matches_the_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/schema.graphql");
    let current = graphql::sdl();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != current {
        std::fs::write(&path, &current).expect("schema/schema.graphql is writable");
        panic!(
            "schema/schema.graphql was out of date and has been rewritten; review and commit it"
        );
    }
}
