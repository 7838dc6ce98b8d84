//! `schema.graphql` is the exported SDL: it must not drift from the code.

#[test]
fn schema_graphql_equals_the_exported_sdl() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let exported = peerbro_api::graphql::sdl();
    assert!(
        committed == exported,
        "schema.graphql is out of date: run `cargo run -q -p peerbro -- schema > schema.graphql`"
    );
}

/// The body of `type <name> { … }` in the SDL: one line per field, descriptions dropped.
fn fields_of(sdl: &str, head: &str) -> Vec<String> {
    let start = sdl
        .find(&format!("\n{head} {{"))
        .or_else(|| sdl.find(&format!("\n{head} implements")))
        .unwrap_or_else(|| panic!("{head} is not in the SDL"));
    let body = &sdl[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    let mut fields = Vec::new();
    let mut in_description = false;
    for line in body.lines().map(str::trim) {
        if line.starts_with("\"\"\"") {
            let one_line = line.len() > 3 && line.ends_with("\"\"\"");
            if !one_line {
                in_description = !in_description;
            }
            continue;
        }
        if !in_description && !line.is_empty() {
            fields.push(line.to_owned());
        }
    }
    fields
}

/// Every mutation takes one `input: <Mutation>Input!` and answers a non-null payload object,
/// so that either can grow without breaking a client.
#[test]
fn every_mutation_takes_one_input_and_answers_a_payload() {
    let sdl = peerbro_api::graphql::sdl();
    let mutations = fields_of(&sdl, "type Mutation");
    assert!(mutations.len() > 40, "{mutations:?}");
    for field in &mutations {
        let (name, rest) = field
            .split_once('(')
            .unwrap_or_else(|| panic!("no input: {field}"));
        let (args, answer) = rest.rsplit_once("): ").unwrap();
        assert!(
            args.starts_with("input: ") && args.ends_with("Input!") && !args.contains(','),
            "{name} takes more or other than one input: {field}"
        );
        assert!(
            answer.ends_with("Payload!"),
            "{name} answers {answer}, not a payload"
        );
        let payload = answer.trim_end_matches('!');
        assert!(
            !fields_of(&sdl, &format!("type {payload}")).is_empty(),
            "{payload} is an object with fields"
        );
    }
}
