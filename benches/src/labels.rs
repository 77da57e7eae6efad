//! The release labels the generated objects carry, for the fan-out measurements (issue 4).
//!
//! A label is chosen per block of 20 objects, not per object: a block's relationships and
//! sightings reference objects of the same block, so a block shares one label and strict
//! closure never withholds part of a block from a reader who may see the rest of it.

/// The NATO example policy (`release-rules/policies/nato-example.yaml`): the missions' default
/// label (NATO UNCLASSIFIED) is under it.
pub const NATO_POLICY_YAML: &str = include_str!("../../release-rules/policies/nato-example.yaml");
/// The ISA ACS 3.0 value domain (`release-rules/policies/isa-acs-3.0.yaml`): the Releasable
/// To markings below are ACS markings, read into it.
pub const ACS_POLICY_YAML: &str = include_str!("../../release-rules/policies/isa-acs-3.0.yaml");

const ACS_EXTENSION: &str = "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce";

/// TLP 1.0 GREEN: what every object of the issue-3 load carries.
pub const TLP1_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
pub const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
pub const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
pub const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
pub const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";

/// An ISA ACS 3.0 marking: unclassified, releasable to these nationalities only.
///
/// ACS rather than Accord's own label marking: the Accord label extension's body has the
/// property `v`, which STIX 2.1 property-name rules (3 to 250 characters) refuse, so the hub
/// refuses those marking definitions at ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelTo {
    pub id: &'static str,
    pub nations: &'static [&'static str],
}

/// What the 1 %-paging scenario's 99 % carry: the writer's nation and WIDE's.
pub const REL_GBR_USA: RelTo = RelTo {
    id: "marking-definition--6a1d43f0-2b9c-4c55-9e0e-0c1f6a7d2b01",
    nations: &["GBR", "USA"],
};
/// What the 1 % carry: NARROW's nation too.
pub const REL_GBR_USA_FRA: RelTo = RelTo {
    id: "marking-definition--6a1d43f0-2b9c-4c55-9e0e-0c1f6a7d2b02",
    nations: &["GBR", "USA", "FRA"],
};
pub const REL_GBR_FRA_DEU: RelTo = RelTo {
    id: "marking-definition--6a1d43f0-2b9c-4c55-9e0e-0c1f6a7d2b03",
    nations: &["GBR", "FRA", "DEU"],
};
pub const REL_GBR_CAN_AUS_NZL: RelTo = RelTo {
    id: "marking-definition--6a1d43f0-2b9c-4c55-9e0e-0c1f6a7d2b04",
    nations: &["GBR", "CAN", "AUS", "NZL"],
};

impl RelTo {
    /// The marking-definition object, compact JSON.
    pub fn definition(&self) -> String {
        let nations = self
            .nations
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(",");
        format!(
            concat!(
                r#"{{"type":"marking-definition","spec_version":"2.1","id":"{id}","#,
                r#""created":"2026-01-01T00:00:00.000Z","name":"U REL TO {names}","#,
                r#""extensions":{{"{ext}":{{"extension_type":"property-extension","#,
                r#""identifier":"isa:guide.19001.ACS3-accord-load-{suffix}","#,
                r#""create_date_time":"2026-01-01T00:00:00Z","responsible_entity_custodian":"USA.DHS","#,
                r#""policy_reference":"urn:isa:policy:acs:ns:v3.0?privdefault=deny&sharedefault=deny","#,
                r#""control_set":{{"classification":"U","permitted_nationalities":[{nations}]}}}}}}}}"#
            ),
            id = self.id,
            names = self.nations.join(", "),
            ext = ACS_EXTENSION,
            suffix = self.nations.join("-"),
            nations = nations,
        )
    }
}

/// Which markings the generated objects carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelMix {
    /// TLP:GREEN (1.0) on every object: the issue-3 load, on the zero-config hub.
    Green,
    /// One block in 100 REL TO GBR, USA, FRA (NARROW, of FRA, sees it); the other 99 REL TO
    /// GBR, USA.
    OnePercent,
    /// Per 10 blocks: 2 TLP:CLEAR, 2 TLP:GREEN (to the mission's TLP community), 3 REL TO a
    /// few nations (three different sets), 2 TLP:AMBER (the originator and its clients),
    /// 1 TLP:AMBER+STRICT (the originator only).
    Realistic,
    /// TLP:GREEN (2.0) on every object: released to the TLP community and nobody else.
    GreenToCommunity,
}

impl LabelMix {
    /// The `object_marking_refs` entry of object `i`.
    pub fn marking(self, i: u64) -> &'static str {
        let block = i / 20;
        match self {
            LabelMix::Green => TLP1_GREEN,
            LabelMix::OnePercent if block % 100 == 0 => REL_GBR_USA_FRA.id,
            LabelMix::OnePercent => REL_GBR_USA.id,
            LabelMix::Realistic => match block % 10 {
                0 | 1 => TLP_CLEAR,
                2 | 3 => TLP_GREEN,
                4 => REL_GBR_USA.id,
                5 => REL_GBR_FRA_DEU.id,
                6 => REL_GBR_CAN_AUS_NZL.id,
                7 | 8 => TLP_AMBER,
                _ => TLP_AMBER_STRICT,
            },
            LabelMix::GreenToCommunity => TLP_GREEN,
        }
    }

    /// The Accord label markings the mix names: posted into a collection before its objects.
    pub fn label_markings(self) -> &'static [RelTo] {
        match self {
            LabelMix::Green | LabelMix::GreenToCommunity => &[],
            LabelMix::OnePercent => &[REL_GBR_USA, REL_GBR_USA_FRA],
            LabelMix::Realistic => &[REL_GBR_USA, REL_GBR_FRA_DEU, REL_GBR_CAN_AUS_NZL],
        }
    }

    /// Whether a reader of `nation` may see object `i` by its Releasable To category (the
    /// 1 %-paging scenario's readers; TLP mixes answer for their one-partner reading).
    pub fn releasable_to_nation(self, i: u64, nation: &str) -> bool {
        let marking = self.marking(i);
        match self.label_markings().iter().find(|m| m.id == marking) {
            Some(rel) => rel.nations.contains(&nation),
            None => true,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LabelMix::Green => "TLP:GREEN (1.0) on all",
            LabelMix::OnePercent => "1 % REL TO GBR, USA, FRA; 99 % REL TO GBR, USA",
            LabelMix::Realistic => {
                "20 % TLP:CLEAR, 20 % TLP:GREEN, 30 % REL TO nations, 20 % TLP:AMBER, 10 % TLP:AMBER+STRICT"
            }
            LabelMix::GreenToCommunity => "TLP:GREEN on all",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(mix: LabelMix, marking: &str) -> usize {
        (0..20_000).filter(|&i| mix.marking(i) == marking).count()
    }

    #[test]
    fn one_percent_of_the_objects_are_releasable_to_fra() {
        let fra = (0..1_000_000)
            .filter(|&i| LabelMix::OnePercent.releasable_to_nation(i, "FRA"))
            .count();
        assert_eq!(fra, 10_000);
        assert!((0..1_000_000).all(|i| LabelMix::OnePercent.releasable_to_nation(i, "GBR")));
    }

    #[test]
    fn the_realistic_mix_is_forty_thirty_twenty_ten_percent() {
        let mix = LabelMix::Realistic;
        assert_eq!(share(mix, TLP_CLEAR) + share(mix, TLP_GREEN), 8_000);
        let rel: usize = mix.label_markings().iter().map(|m| share(mix, m.id)).sum();
        assert_eq!(rel, 6_000);
        assert_eq!(share(mix, TLP_AMBER), 4_000);
        assert_eq!(share(mix, TLP_AMBER_STRICT), 2_000);
    }

    #[test]
    fn a_block_of_twenty_shares_one_label() {
        for mix in [LabelMix::OnePercent, LabelMix::Realistic] {
            for block in 0..500u64 {
                let first = mix.marking(block * 20);
                assert!((block * 20..block * 20 + 20).all(|i| mix.marking(i) == first));
            }
        }
    }

    #[test]
    fn label_markings_are_json_with_their_nations() {
        let value: serde_json::Value = serde_json::from_str(&REL_GBR_FRA_DEU.definition()).unwrap();
        assert_eq!(value["id"], REL_GBR_FRA_DEU.id);
        let body = &value["extensions"][ACS_EXTENSION];
        assert_eq!(
            body["control_set"]["permitted_nationalities"],
            serde_json::json!(["GBR", "FRA", "DEU"])
        );
    }
}
