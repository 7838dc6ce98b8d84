//! Unit tests of `instrument.rs` and the seeded instruments.

use super::*;
use crate::outcomes::seeded;

fn field(err: &DomainError) -> String {
    match err {
        DomainError::Validation { field, .. } => field.clone(),
        other => panic!("not a validation error: {other:?}"),
    }
}

#[test]
fn the_seeded_instruments_are_valid_and_cover_every_dimension() {
    for (draft, per_dimension) in [(seeded::citizen_recovery(), 3), (seeded::peer_role(), 2)] {
        let instrument = Instrument::new(draft).unwrap();
        assert_eq!(instrument.max_answer(), 4, "scored 0-4");
        for &dimension in ChimeDimension::ALL {
            let n = instrument
                .definition()
                .items
                .iter()
                .filter(|i| i.dimension == dimension)
                .count();
            assert_eq!(n, per_dimension, "{dimension:?}");
        }
    }
    assert_eq!(seeded::citizen_recovery().items.len(), 15);
    assert_eq!(seeded::citizen_recovery().respondent, Respondent::Citizen);
    assert_eq!(seeded::peer_role().respondent, Respondent::Peer);
}

/// By hand: Connectedness 4,4,4 → 4; Hope 0,0,0 → 0; Identity 2,2,2 → 2; Meaning 1,2,3 → 2;
/// Empowerment 4,3,2 → 3; overall 33 / 15 = 2.2.
#[test]
fn answers_are_scored_per_dimension_as_by_hand() {
    let instrument = Instrument::new(seeded::citizen_recovery()).unwrap();
    let scores = instrument
        .score(&[4, 4, 4, 0, 0, 0, 2, 2, 2, 1, 2, 3, 4, 3, 2])
        .unwrap();
    let expected = [
        (ChimeDimension::Connectedness, 4.0),
        (ChimeDimension::Hope, 0.0),
        (ChimeDimension::Identity, 2.0),
        (ChimeDimension::Meaning, 2.0),
        (ChimeDimension::Empowerment, 3.0),
    ];
    for (dimension, score) in expected {
        assert!((scores.by_dimension[&dimension] - score).abs() < 1e-12);
    }
    assert!((scores.overall - 2.2).abs() < 1e-12);
}

#[test]
fn incomplete_or_off_scale_answers_are_refused() {
    let instrument = Instrument::new(seeded::citizen_recovery()).unwrap();
    assert_eq!(field(&instrument.score(&[1; 14]).unwrap_err()), "answers");
    assert!(
        instrument.score(&[4; 15]).is_ok(),
        "4 is the top of the scale"
    );
    let mut off = [1; 15];
    off[3] = 5;
    assert_eq!(field(&instrument.score(&off).unwrap_err()), "answers");
}

#[test]
fn a_definition_is_validated_field_by_field() {
    let base = seeded::citizen_recovery;
    let cases: Vec<(InstrumentDraft, &str)> = vec![
        (
            InstrumentDraft {
                key: "X".into(),
                ..base()
            },
            "key",
        ),
        (
            InstrumentDraft {
                key: "-abc".into(),
                ..base()
            },
            "key",
        ),
        (
            InstrumentDraft {
                version: 0,
                ..base()
            },
            "version",
        ),
        (
            InstrumentDraft {
                title: "  ".into(),
                ..base()
            },
            "title",
        ),
        (
            InstrumentDraft {
                scale: vec!["Kun en".into()],
                ..base()
            },
            "scale",
        ),
        (
            InstrumentDraft {
                scale: vec!["x".into(); 12],
                ..base()
            },
            "scale",
        ),
        (
            InstrumentDraft {
                items: Vec::new(),
                ..base()
            },
            "items",
        ),
        (
            InstrumentDraft {
                items: vec![base().items[0].clone(); MAX_ITEMS + 1],
                ..base()
            },
            "items",
        ),
    ];
    for (draft, expected) in cases {
        assert_eq!(field(&Instrument::new(draft).unwrap_err()), expected);
    }
    let mut blank = base();
    blank.items[2].text = " ".into();
    assert_eq!(field(&Instrument::new(blank).unwrap_err()), "items[2].text");
    let mut long = base();
    long.items[0].text = "æ".repeat(MAX_TEXT);
    assert!(
        Instrument::new(long.clone()).is_ok(),
        "{MAX_TEXT} characters is the limit"
    );
    long.items[0].text.push('æ');
    assert_eq!(field(&Instrument::new(long).unwrap_err()), "items[0].text");
    let sixty = InstrumentDraft {
        items: vec![base().items[0].clone(); MAX_ITEMS],
        ..base()
    };
    assert!(Instrument::new(sixty).is_ok());
}
