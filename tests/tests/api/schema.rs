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

/// One naming scheme, checked over every field that is not deprecated: dates are `…On`,
/// instants `…At` (or `at`, an event's own instant), durations in minutes say so, and the
/// kind of a thing is its `kind` (`…Type` only for the Standard Webhooks event types).
#[test]
fn fields_follow_one_naming_scheme() {
    let sdl = peerbro_api::graphql::sdl();
    let mut offences = Vec::new();
    let mut checked = 0;
    for head in sdl.lines().filter(|l| {
        (l.starts_with("type ") || l.starts_with("input ") || l.starts_with("interface "))
            && l.ends_with('{')
    }) {
        let head = head.trim_end_matches(" {");
        let head = head.split(" implements").next().unwrap();
        for field in fields_of(&sdl, head) {
            if field.contains("@deprecated") {
                continue;
            }
            let Some((name, rest)) = field.split_once(':') else {
                continue;
            };
            let name = name.split('(').next().unwrap().trim();
            let ty = rest.rsplit(':').next().unwrap().trim();
            let ty = ty
                .split_whitespace()
                .next()
                .unwrap()
                .trim_matches(|c| c == '[' || c == ']' || c == '!');
            checked += 1;
            let wrong = (ty == "Date" && !name.ends_with("On"))
                || (ty == "DateTime" && !name.ends_with("At") && name != "at")
                || name == "minutes"
                || name.starts_with("hours")
                || ((name.ends_with("Type") || name.ends_with("Types"))
                    && !name.starts_with("eventType"));
            if wrong {
                offences.push(format!("{head}.{name}: {ty}"));
            }
        }
    }
    assert!(checked > 300, "{checked} fields checked");
    assert!(
        offences.is_empty(),
        "not in the naming scheme: {offences:#?}"
    );
}
