//! Realistic STIX 2.1 objects of about 1 KiB, as CERTs share them: indicators, malware, the
//! relationships between them and sightings, in a fixed mix.
//!
//! Object `i` of a run is a pure function of the run's prefix and `i`, so the benchmark can
//! ask for any stored object by id without keeping a million ids in memory, and every object
//! of a run has its own id (no re-post of a stored version, which the server would count as a
//! success without writing).

/// The four kinds of the mix. Out of every 20 consecutive objects: 8 indicators, 4 malware,
/// 5 relationships, 3 sightings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Indicator,
    Malware,
    Relationship,
    Sighting,
}

impl Kind {
    pub fn of(i: u64) -> Kind {
        match i % 20 {
            0..=7 => Kind::Indicator,
            8..=11 => Kind::Malware,
            12..=16 => Kind::Relationship,
            _ => Kind::Sighting,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Kind::Indicator => "indicator",
            Kind::Malware => "malware",
            Kind::Relationship => "relationship",
            Kind::Sighting => "sighting",
        }
    }
}

use crate::labels::LabelMix;

/// The CERT that authors every generated object (`created_by_ref`).
const AUTHOR: &str = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff";
/// The member organisation that sights the indicators (`where_sighted_refs`).
const SIGHTER: &str = "identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061";

const FAMILIES: [&str; 8] = [
    "Emotet",
    "QakBot",
    "IcedID",
    "Cobalt Strike",
    "AgentTesla",
    "Remcos",
    "AsyncRAT",
    "Lumma",
];

/// Generates the objects of one run.
#[derive(Debug, Clone, Copy)]
pub struct Generator {
    prefix: u32,
    labels: LabelMix,
}

impl Generator {
    /// Objects marked TLP:GREEN, as in the issue-3 load.
    pub fn new(prefix: u32) -> Generator {
        Generator::with_labels(prefix, LabelMix::Green)
    }

    pub fn with_labels(prefix: u32, labels: LabelMix) -> Generator {
        Generator { prefix, labels }
    }

    /// What the generated objects reference and a collection must hold before them, as one
    /// envelope: the two identities (sightings are withheld while the identity they were
    /// sighted at is not releasable: strict closure) and the label markings of the mix (the
    /// hub resolves a marking from the envelope or the collection). Unmarked, so every partner
    /// of the mission sees them.
    pub fn preamble(&self) -> (String, u64) {
        let mut objects = vec![
            identity(
                AUTHOR,
                "CERT-XX",
                "organization",
                "The national CERT that shares the indicators.",
            ),
            identity(
                SIGHTER,
                "Member organisation",
                "organization",
                "A member of the sector's CERT community that reports sightings.",
            ),
        ];
        objects.extend(self.labels.label_markings().iter().map(|m| m.definition()));
        let count = objects.len() as u64;
        (format!(r#"{{"objects":[{}]}}"#, objects.join(",")), count)
    }

    /// The id of object `i`: a UUIDv4-shaped id (version nibble 4, variant 8) unique per run and
    /// index.
    pub fn id(&self, i: u64) -> String {
        let kind = Kind::of(i);
        let spread = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        format!(
            "{}--{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            kind.type_name(),
            self.prefix,
            (spread >> 48) & 0xffff,
            (spread >> 36) & 0xfff,
            (spread >> 24) & 0xfff,
            i & 0xffff_ffff_ffff
        )
    }

    /// Object `i` as compact JSON.
    pub fn object(&self, i: u64) -> String {
        let block = i - i % 20;
        // STIX timestamps of the object's creation, spread over a month so that they vary.
        let day = 1 + i % 28;
        let hour = i / 28 % 24;
        let minute = i / 672 % 60;
        let milli = i % 1000;
        let created = format!("2026-03-{day:02}T{hour:02}:{minute:02}:00.{milli:03}Z");
        let id = self.id(i);
        let family = FAMILIES.get((i % 8) as usize).copied().unwrap_or("Emotet");
        let tlp = self.labels.marking(i);
        match Kind::of(i) {
            Kind::Indicator => format!(
                concat!(
                    r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created_by_ref":"{author}","#,
                    r#""created":"{created}","modified":"{created}","name":"{family} C2 {i}","#,
                    r#""description":"Command and control address observed during incident response; the same beacon configuration was seen across several sectors.","#,
                    r#""indicator_types":["malicious-activity","attribution"],"#,
                    r#""pattern":"[ipv4-addr:value = '198.51.{a}.{b}/32'] OR [file:hashes.'SHA-256' = '{hash}']","#,
                    r#""pattern_type":"stix","pattern_version":"2.1","valid_from":"{created}","valid_until":"2026-12-01T00:00:00Z","#,
                    r#""kill_chain_phases":[{{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"command-and-control"}}],"#,
                    r#""labels":["c2","beacon"],"confidence":80,"lang":"en","#,
                    r#""external_references":[{{"source_name":"cert-xx","url":"https://cert.example/advisories/2026-{i}","external_id":"ADV-2026-{i}"}}],"#,
                    r#""object_marking_refs":["{tlp}"]}}"#
                ),
                id = id,
                author = AUTHOR,
                created = created,
                family = family,
                i = i,
                a = i / 256 % 256,
                b = i % 256,
                hash = sha256_like(i),
                tlp = tlp,
            ),
            Kind::Malware => format!(
                concat!(
                    r#"{{"type":"malware","spec_version":"2.1","id":"{id}","created_by_ref":"{author}","#,
                    r#""created":"{created}","modified":"{created}","name":"{family} variant {i}","#,
                    r#""description":"Loader distributed through malicious e-mail attachments; drops a second stage that steals browser credentials and opens a reverse shell to its controllers.","#,
                    r#""malware_types":["trojan","remote-access-trojan"],"is_family":false,"aliases":["{family}-{i}"],"#,
                    r#""first_seen":"{created}","architecture_execution_envs":["x86-64"],"implementation_languages":["c++"],"#,
                    r#""capabilities":["communicates-with-c2","steals-authentication-credentials"],"#,
                    r#""kill_chain_phases":[{{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"installation"}}],"#,
                    r#""labels":["loader"],"confidence":70,"lang":"en","#,
                    r#""external_references":[{{"source_name":"cert-xx","url":"https://cert.example/malware/{i}","external_id":"MAL-{i}"}}],"#,
                    r#""object_marking_refs":["{tlp}"]}}"#
                ),
                id = id,
                author = AUTHOR,
                created = created,
                family = family,
                i = i,
                tlp = tlp,
            ),
            Kind::Relationship => format!(
                concat!(
                    r#"{{"type":"relationship","spec_version":"2.1","id":"{id}","created_by_ref":"{author}","#,
                    r#""created":"{created}","modified":"{created}","relationship_type":"indicates","#,
                    r#""description":"The indicator's address served as command and control for this malware during the campaign reported by the sector's CERT; confirmed by sandbox detonation.","#,
                    r#""source_ref":"{source}","target_ref":"{target}","start_time":"{created}","stop_time":"2026-12-01T00:00:00Z","#,
                    r#""labels":["c2-link"],"confidence":60,"lang":"en","#,
                    r#""external_references":[{{"source_name":"cert-xx","url":"https://cert.example/advisories/2026-{i}#relationships","external_id":"REL-{i}"}}],"#,
                    r#""object_marking_refs":["{tlp}"]}}"#
                ),
                id = id,
                author = AUTHOR,
                created = created,
                source = self.id(block + i % 8),
                target = self.id(block + 8 + i % 4),
                i = i,
                tlp = tlp,
            ),
            Kind::Sighting => format!(
                concat!(
                    r#"{{"type":"sighting","spec_version":"2.1","id":"{id}","created_by_ref":"{author}","#,
                    r#""created":"{created}","modified":"{created}","#,
                    r#""description":"Outbound connections to this indicator were seen from three hosts of a member organisation's network; the hosts were isolated and reimaged.","#,
                    r#""first_seen":"{created}","last_seen":"2026-04-01T00:00:00Z","count":{count},"#,
                    r#""sighting_of_ref":"{of}","where_sighted_refs":["{sighter}"],"summary":false,"#,
                    r#""labels":["member-report"],"confidence":90,"lang":"en","#,
                    r#""external_references":[{{"source_name":"cert-xx","url":"https://cert.example/sightings/{i}","external_id":"SIG-{i}"}}],"#,
                    r#""object_marking_refs":["{tlp}"]}}"#
                ),
                id = id,
                author = AUTHOR,
                created = created,
                count = 1 + i % 50,
                of = self.id(block + i % 8),
                sighter = SIGHTER,
                i = i,
                tlp = tlp,
            ),
        }
    }

    /// A TAXII envelope of objects `first..first + count`.
    pub fn envelope(&self, first: u64, count: u64) -> String {
        let mut body = String::with_capacity(16 + count as usize * 1100);
        body.push_str(r#"{"objects":["#);
        for i in first..first + count {
            if i > first {
                body.push(',');
            }
            body.push_str(&self.object(i));
        }
        body.push_str("]}");
        body
    }
}

/// An identity object, compact JSON.
fn identity(id: &str, name: &str, class: &str, description: &str) -> String {
    format!(
        concat!(
            r#"{{"type":"identity","spec_version":"2.1","id":"{id}","#,
            r#""created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","#,
            r#""name":"{name}","description":"{description}","identity_class":"{class}","#,
            r#""sectors":["government-national"]}}"#
        ),
        id = id,
        name = name,
        description = description,
        class = class,
    )
}

/// 64 hex digits that differ per object, standing in for a file's SHA-256.
fn sha256_like(i: u64) -> String {
    let mut out = String::with_capacity(64);
    let mut x = i ^ 0x5851_f42d_4c95_7f2d;
    for _ in 0..4 {
        // splitmix64: cheap, well spread.
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        out.push_str(&format!("{z:016x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use stix_model::Validator;

    #[test]
    fn generated_objects_are_valid_stix() {
        let validator = Validator::default();
        let generator = Generator::new(0x1234_abcd);
        for i in 0..2_000 {
            let text = generator.object(i);
            let value: Value = serde_json::from_str(&text).unwrap();
            // Warnings too: the objects follow the recommendations as well.
            let problems = validator.validate(&value);
            assert!(
                problems.is_empty(),
                "object {i} is invalid: {problems:?}\n{text}"
            );
        }
    }

    #[test]
    fn the_preamble_and_every_label_mix_are_valid_stix() {
        let validator = Validator::default();
        for mix in [
            LabelMix::Green,
            LabelMix::OnePercent,
            LabelMix::Realistic,
            LabelMix::GreenToCommunity,
        ] {
            let generator = Generator::with_labels(0x1234_abcd, mix);
            let (preamble, count) = generator.preamble();
            let value: Value = serde_json::from_str(&preamble).unwrap();
            let objects = value["objects"].as_array().unwrap();
            assert_eq!(objects.len() as u64, count);
            let generated = (0..400).map(|i| serde_json::from_str(&generator.object(i)).unwrap());
            for object in objects.iter().cloned().chain(generated) {
                let problems = validator.validate(&object);
                assert!(problems.is_empty(), "{mix:?}: {problems:?}\n{object}");
            }
        }
    }

    /// Strict closure withholds a relationship or sighting whose target the collection does
    /// not hold: every id a generated object names must be posted with it — in its block of
    /// 20, or in the preamble.
    #[test]
    fn every_reference_is_to_an_object_of_its_block_or_the_preamble() {
        fn refs(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    for (key, v) in map {
                        if key.ends_with("_ref") {
                            out.extend(v.as_str().map(str::to_owned));
                        } else if key.ends_with("_refs") {
                            let ids = v.as_array().into_iter().flatten();
                            out.extend(ids.filter_map(Value::as_str).map(str::to_owned));
                        } else {
                            refs(v, out);
                        }
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let tlp = [
            crate::labels::TLP1_GREEN,
            crate::labels::TLP_CLEAR,
            crate::labels::TLP_GREEN,
            crate::labels::TLP_AMBER,
            crate::labels::TLP_AMBER_STRICT,
        ];
        for mix in [LabelMix::Green, LabelMix::OnePercent, LabelMix::Realistic] {
            let generator = Generator::with_labels(99, mix);
            let (preamble, _) = generator.preamble();
            let preamble: Value = serde_json::from_str(&preamble).unwrap();
            let preamble_ids: Vec<&str> = preamble["objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap())
                .collect();
            for i in 0..4_000u64 {
                let object: Value = serde_json::from_str(&generator.object(i)).unwrap();
                let mut named = Vec::new();
                refs(&object, &mut named);
                let block = i - i % 20;
                for id in named {
                    let posted = preamble_ids.contains(&id.as_str())
                        || tlp.contains(&id.as_str())
                        || (block..block + 20).any(|j| generator.id(j) == id);
                    assert!(
                        posted,
                        "{mix:?}: object {i} names {id}, which is never posted"
                    );
                }
            }
        }
    }

    #[test]
    fn generated_objects_are_about_one_kib() {
        let generator = Generator::new(7);
        let total: usize = (0..1_000).map(|i| generator.object(i).len()).sum();
        let mean = total / 1_000;
        assert!((850..=1_250).contains(&mean), "mean size {mean}");
    }

    #[test]
    fn ids_are_unique_within_a_run() {
        let generator = Generator::new(7);
        let ids: std::collections::HashSet<String> =
            (0..100_000).map(|i| generator.id(i)).collect();
        assert_eq!(ids.len(), 100_000);
    }

    #[test]
    fn the_mix_is_forty_twenty_twenty_five_fifteen_percent() {
        let count = |kind| (0..1_000).filter(|&i| Kind::of(i) == kind).count();
        assert_eq!(count(Kind::Indicator), 400);
        assert_eq!(count(Kind::Malware), 200);
        assert_eq!(count(Kind::Relationship), 250);
        assert_eq!(count(Kind::Sighting), 150);
    }

    #[test]
    fn an_envelope_is_a_json_object_with_its_objects() {
        let generator = Generator::new(7);
        let value: Value = serde_json::from_str(&generator.envelope(40, 100)).unwrap();
        let objects = value["objects"].as_array().unwrap();
        assert_eq!(objects.len(), 100);
        assert_eq!(objects[0]["id"], Value::String(generator.id(40)));
    }
}
