//! The instruments every tenant starts with, in the project's own Danish wording: a short
//! recovery questionnaire for citizens (the shape of the published QPR-15 — every item one
//! CHIME dimension, answered 0–4 — whose texts are not copied), and one for peers about their
//! own recovery and role.

use super::instrument::{ChimeDimension as D, InstrumentDraft, Item, Respondent};

const AGREEMENT: [&str; 5] = [
    "Passer slet ikke",
    "Passer lidt",
    "Passer delvist",
    "Passer godt",
    "Passer helt",
];

fn items(list: &[(D, &str)]) -> Vec<Item> {
    list.iter()
        .map(|(dimension, text)| Item {
            text: (*text).to_owned(),
            dimension: *dimension,
        })
        .collect()
}

/// The key of the seeded citizen questionnaire.
pub const CITIZEN_KEY: &str = "hverdagsliv-15";
/// The key of the seeded peer questionnaire.
pub const PEER_KEY: &str = "peer-rolle-10";

/// "Hverdagsliv og recovery", 15 items, three per CHIME dimension, for citizens.
#[must_use]
pub fn citizen_recovery() -> InstrumentDraft {
    InstrumentDraft {
        key: CITIZEN_KEY.to_owned(),
        title: "Hverdagsliv og recovery".to_owned(),
        version: 1,
        respondent: Respondent::Citizen,
        scale: AGREEMENT.iter().map(|l| (*l).to_owned()).collect(),
        items: items(&[
            (
                D::Connectedness,
                "Jeg har mennesker i mit liv, som jeg kan regne med.",
            ),
            (
                D::Connectedness,
                "Jeg føler mig som en del af et fællesskab.",
            ),
            (
                D::Connectedness,
                "Jeg kan tale med andre om, hvordan jeg har det.",
            ),
            (D::Hope, "Jeg tror på, at mit liv kan blive bedre."),
            (D::Hope, "Jeg har ting, jeg ser frem til."),
            (
                D::Hope,
                "Jeg kan forestille mig en fremtid, jeg gerne vil have.",
            ),
            (
                D::Identity,
                "Jeg ser mig selv som mere end mine psykiske vanskeligheder.",
            ),
            (D::Identity, "Jeg kan lide den, jeg er."),
            (D::Identity, "Jeg kan fortælle om mit liv på min egen måde."),
            (
                D::Meaning,
                "Mine dage indeholder noget, der giver mening for mig.",
            ),
            (
                D::Meaning,
                "Jeg har roller eller opgaver, der betyder noget.",
            ),
            (D::Meaning, "Jeg kan bruge mine erfaringer til noget."),
            (D::Empowerment, "Jeg træffer selv beslutninger om mit liv."),
            (
                D::Empowerment,
                "Jeg ved, hvad jeg kan gøre, når jeg har det svært.",
            ),
            (
                D::Empowerment,
                "Jeg kan bede om den hjælp, jeg har brug for.",
            ),
        ]),
    }
}

/// "Min rolle som peer", 10 items, two per CHIME dimension, for peer workers.
#[must_use]
pub fn peer_role() -> InstrumentDraft {
    InstrumentDraft {
        key: PEER_KEY.to_owned(),
        title: "Min rolle som peer".to_owned(),
        version: 1,
        respondent: Respondent::Peer,
        scale: AGREEMENT.iter().map(|l| (*l).to_owned()).collect(),
        items: items(&[
            (
                D::Connectedness,
                "Jeg får støtte fra de andre peers og fra min koordinator.",
            ),
            (
                D::Connectedness,
                "Jeg føler mig som en ligeværdig del af teamet.",
            ),
            (
                D::Hope,
                "Arbejdet som peer giver mig håb for min egen fremtid.",
            ),
            (
                D::Hope,
                "Jeg tror på, at mine erfaringer kan gøre en forskel for andre.",
            ),
            (D::Identity, "Jeg er stolt af at være peer."),
            (
                D::Identity,
                "Jeg kan bruge mine erfaringer uden at miste mig selv.",
            ),
            (D::Meaning, "Mit arbejde som peer giver mening for mig."),
            (D::Meaning, "Jeg kan se, at det, jeg gør, hjælper andre."),
            (D::Empowerment, "Jeg kan sige til og fra i mine opgaver."),
            (
                D::Empowerment,
                "Jeg ved, hvor jeg får hjælp, hvis et forløb bliver svært for mig.",
            ),
        ]),
    }
}
