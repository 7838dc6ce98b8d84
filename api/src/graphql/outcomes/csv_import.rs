//! Instrument items from CSV: a tenant that holds the rights to a questionnaire imports its
//! items as a spreadsheet export (`text,dimension`, one item per line, in order). The rows
//! become an `InstrumentDraft`, held to the same validation as `addInstrument`.

use peerbro_domain::outcomes::{ChimeDimension, Item, MAX_ITEMS};
use peerbro_domain::{DomainError, DomainResult};

/// The largest CSV accepted (60 items of 300 characters, with room for quoting).
pub const MAX_CSV_BYTES: usize = 64 * 1024;

fn invalid(message: String) -> DomainError {
    DomainError::validation("items", message)
}

/// The items of `csv`: a header `text,dimension` (either order, any case), then one row per
/// item. Comma- or semicolon-separated (Danish spreadsheets write `;`).
///
/// # Errors
/// `Validation` (`items`) naming the line: too large, no or a wrong header, a row without
/// both fields, an unknown dimension, more than 60 items.
pub fn items(csv: &str) -> DomainResult<Vec<Item>> {
    if csv.len() > MAX_CSV_BYTES {
        return Err(invalid(format!("must be at most {MAX_CSV_BYTES} bytes")));
    }
    let first = csv.lines().next().unwrap_or_default();
    let delimiter = if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(csv.as_bytes());
    let header = reader
        .headers()
        .map_err(|_| invalid("line 1: the header does not read as CSV".to_owned()))?
        .clone();
    let column = |name: &str| {
        header.iter().position(|h| {
            h.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(name)
        })
    };
    let (Some(text_at), Some(dimension_at)) = (column("text"), column("dimension")) else {
        return Err(invalid(
            "line 1: the header must name the columns text and dimension".to_owned(),
        ));
    };
    let mut items = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let line = n + 2;
        let row = row.map_err(|_| invalid(format!("line {line}: does not read as CSV")))?;
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let (Some(text), Some(name)) = (row.get(text_at), row.get(dimension_at)) else {
            return Err(invalid(format!(
                "line {line}: needs a text and a dimension"
            )));
        };
        let dimension: ChimeDimension = name.trim().to_ascii_uppercase().parse().map_err(|_| {
            invalid(format!(
                "line {line}: the dimension must be CONNECTEDNESS, HOPE, IDENTITY, MEANING or EMPOWERMENT"
            ))
        })?;
        if items.len() == MAX_ITEMS {
            return Err(invalid(format!("line {line}: at most {MAX_ITEMS} items")));
        }
        items.push(Item {
            text: text.to_owned(),
            dimension,
        });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_read_from_either_separator_with_quoting() {
        let comma = items("text,dimension\n\"Jeg har nogen, jeg kan ringe til\",connectedness\nJeg tror på fremtiden,HOPE\n").unwrap();
        assert_eq!(comma.len(), 2);
        assert_eq!(comma[0].text, "Jeg har nogen, jeg kan ringe til");
        assert_eq!(comma[1].dimension, ChimeDimension::Hope);
        let semicolon = items("\u{feff}Dimension;Text\nMEANING;Mit liv har mening\n\n").unwrap();
        assert_eq!(semicolon.len(), 1);
        assert_eq!(semicolon[0].dimension, ChimeDimension::Meaning);
    }

    #[test]
    fn a_bad_file_is_refused_naming_the_line() {
        for (csv, line) in [
            ("tekst,dimension\nA,HOPE\n", "line 1"),
            ("text,dimension\nA,HOPE\nB,HAPPINESS\n", "line 3"),
            ("text,dimension\nA\n", "line 2"),
        ] {
            let err = items(csv).unwrap_err().to_string();
            assert!(err.contains(line), "{csv}: {err}");
        }
        let sixty: String = (0..60).map(|n| format!("Udsagn {n},HOPE\n")).collect();
        assert_eq!(
            items(&format!("text,dimension\n{sixty}")).unwrap().len(),
            60
        );
        let err = items(&format!("text,dimension\n{sixty}Et til,HOPE\n")).unwrap_err();
        assert!(err.to_string().contains("line 62"), "{err}");
        assert!(items(&"x".repeat(MAX_CSV_BYTES + 1)).is_err());
    }
}
