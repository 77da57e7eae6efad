#!/usr/bin/env python3
"""Writes the STIX 2.1 verdict corpus under stix-model/tests/corpus/objects/.

Run with the project's virtual environment:

    .venv/bin/python scripts/make_corpus.py

Output (all plain JSON, pretty-printed, regenerated from scratch on every run):

- ``valid/<nnn>-<type>.json``: one valid object per file, covering every STIX 2.1 type, every
  predefined SCO extension, custom content declared by extension-definitions, markings,
  external references, kill chain phases, timestamps of 0-9 fractional digits, unicode text and
  indicators with varied STIX patterns.
- ``invalid/<nnn>-<rule-code>-<short-desc>.json``: one object per file, each a valid object with
  exactly one MUST of the specification broken; the rule code is a ``stix_model::Rule`` code.
- ``cases.json``: for every file, ``{"expect", "rule", "path", "note"}``; ``path`` is the JSON
  pointer where Accord should report the fault (``null`` when the fault belongs to the object
  or to a set of properties rather than to one value). A few faults fit two rules equally well
  (an empty ``lang`` is both empty and not an RFC 5646 tag); their ``also`` lists the other.
- ``disagreements.json`` and ``disagreements.md``: the cases on which the OASIS validator is
  wrong or only warns, with the reason and the spec section (see ``VALID_GAPS`` and
  ``INVALID_GAPS`` below).

The output is deterministic: identifiers come from a seeded RNG (UUIDv4 for domain objects,
UUIDv5 from the ID contributing properties for SCOs, as STIX 2.1 §2.9 recommends) and every
timestamp is derived from fixed instants.

Conventions for the rule codes of conditional requirements (the test checks them):
- a property that must be present when another is (``name`` when ``is_family`` is true,
  ``hashes`` when ``url`` is) is ``required-property`` at that property;
- "at least one of", "exactly one of" and "must not be present when" are
  ``property-combination``, reported on the object (path ``null``).
"""

import copy
import json
import random
import shutil
import uuid
from pathlib import Path

SEED = 20210610  # the day STIX 2.1 became an OASIS Standard
RNG = random.Random(SEED)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "stix-model" / "tests" / "corpus" / "objects"

SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

# --------------------------------------------------------------------------------------------
# Identifiers and timestamps


def new_uuid4():
    return str(uuid.UUID(int=RNG.getrandbits(128), version=4))


def new_id(type_name):
    return f"{type_name}--{new_uuid4()}"


def canonical(value):
    """RFC 8785 for the values used here (strings, integers, booleans, lists, objects)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


ID_CONTRIBUTING = {
    "artifact": ["hashes", "payload_bin"],
    "autonomous-system": ["number"],
    "directory": ["path"],
    "domain-name": ["value"],
    "email-addr": ["value"],
    "email-message": ["from_ref", "subject", "body"],
    "file": ["hashes", "name", "extensions", "parent_directory_ref"],
    "ipv4-addr": ["value"],
    "ipv6-addr": ["value"],
    "mac-addr": ["value"],
    "mutex": ["name"],
    "network-traffic": [
        "start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions",
    ],
    "process": [],
    "software": ["name", "cpe", "swid", "vendor", "version"],
    "url": ["value"],
    "user-account": ["account_type", "user_id", "account_login"],
    "windows-registry-key": ["key", "values"],
    "x509-certificate": ["hashes", "serial_number"],
}

HASH_PREFERENCE = ["MD5", "SHA-1", "SHA-256", "SHA-512"]


def sco_id(type_name, props):
    """STIX 2.1 §2.9: UUIDv5 over the canonical JSON of the ID contributing properties, or a
    UUIDv4 when there are none (and always for process)."""
    contributing = {}
    for key in ID_CONTRIBUTING.get(type_name, []):
        if key not in props:
            continue
        value = props[key]
        if key == "hashes":
            chosen = next((h for h in HASH_PREFERENCE if h in value), sorted(value)[0])
            value = {chosen: value[chosen]}
        contributing[key] = value
    if not contributing:
        return new_id(type_name)
    return f"{type_name}--{uuid.uuid5(SCO_NAMESPACE, canonical(contributing))}"


def stamp(day, second, digits):
    """A timestamp `day` days and `second` seconds after 2019-01-01T00:00:00Z with `digits`
    fractional digits (taken from a fixed pattern, never all zero beyond the third)."""
    total = day * 86400 + second
    days, rem = divmod(total, 86400)
    # civil date from days since 2019-01-01
    year, month = 2019, 1
    mdays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    while True:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        ylen = 366 if leap else 365
        if days < ylen:
            break
        days -= ylen
        year += 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    for m, n in enumerate(mdays, start=1):
        n = 29 if (m == 2 and leap) else n
        if days < n:
            month = m
            break
        days -= n
    day_of_month = days + 1
    hh, rem = divmod(rem, 3600)
    mm, ss = divmod(rem, 60)
    text = f"{year:04d}-{month:02d}-{day_of_month:02d}T{hh:02d}:{mm:02d}:{ss:02d}"
    if digits:
        text += "." + "123456789"[:digits]
    return text + "Z"


def created_modified(digits=3):
    """A created/modified pair, modified later or equal, both with `digits` (≥ 3) digits."""
    day = RNG.randrange(0, 900)
    second = RNG.randrange(0, 86000)
    created = stamp(day, second, digits)
    later = RNG.choice([0, 0, 60, 3600, 86400 * 3])
    modified = stamp(day, second + later, digits)
    return created, modified


def window(digits=0, gap=86400 * 30):
    """An ordered pair of timestamps with the same number of fractional digits."""
    day = RNG.randrange(0, 900)
    second = RNG.randrange(0, 80000)
    return stamp(day, second, digits), stamp(day, second + gap, digits)


# Fixed objects other objects refer to. References need not resolve for one-object
# validation, but they are of the right types.
IDENTITY_REF = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"
TLP1 = {
    "white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "red": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED_BY = "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01"

# Extension definitions declared in the corpus and used by custom content.
EXT_NEW_SDO = "extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62"
EXT_NEW_SCO = "extension-definition--2a1c4f5b-6d7e-4f80-9a1b-2c3d4e5f6a7b"
EXT_NEW_SRO = "extension-definition--3b2d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
EXT_PROPERTY = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"
EXT_TOPLEVEL = "extension-definition--a932fcc6-e032-476c-826f-cb970a5a1ade"

REFS = {t: new_id(t) for t in [
    "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
    "indicator", "infrastructure", "intrusion-set", "location", "malware", "malware-analysis",
    "note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability",
    "relationship", "sighting", "artifact", "autonomous-system", "directory", "domain-name",
    "email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex",
    "network-traffic", "process", "software", "url", "user-account", "windows-registry-key",
    "x509-certificate", "language-content", "bundle", "extension-definition",
]}
REFS["marking-definition"] = TLP1["green"]

SHA256 = [
    "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
    "6db12788c37247f2316052e142f42f4b259d6561751e5f401a1ae2a6df9c674b",
    "c3b7a2e0f1d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3",
    "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b",
]
MD5 = ["3773a88f65a5e780c8dff9cdc3a056f3", "d41d8cd98f00b204e9800998ecf8427e",
       "8f2d4a0c8b1e6f3a9c7d5e2b4f6a8c0e"]
SHA1 = ["2aae6c35c94fcfb415dbe95f408b9ce91ee846ed", "da39a3ee5e6b4b0d3255bfef95601890afd80709"]
SHA512 = ("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
          "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")

# --------------------------------------------------------------------------------------------
# Builders of valid objects


def sdo(type_name, digits=3, **props):
    created, modified = created_modified(digits)
    obj = {
        "type": type_name,
        "spec_version": "2.1",
        "id": new_id(type_name),
        "created": created,
        "modified": modified,
    }
    obj.update(props)
    return obj


def sco(type_name, random_id=False, **props):
    obj = {"type": type_name, "spec_version": "2.1"}
    obj["id"] = new_id(type_name) if random_id else sco_id(type_name, props)
    obj.update(props)
    return obj


def ext_ref(source, **props):
    ref = {"source_name": source}
    ref.update(props)
    return ref


def kcp(phase, chain="mitre-attack"):
    return {"kill_chain_name": chain, "phase_name": phase}


def rich(obj, variant):
    """Decorates an object with common optional properties, chosen by `variant`."""
    obj = dict(obj)
    if variant % 5 == 0:
        obj["created_by_ref"] = IDENTITY_REF
    if variant % 4 == 1:
        obj["labels"] = ["corpus", f"variant-{variant}"]
    if variant % 3 == 0:
        obj["confidence"] = [0, 15, 50, 85, 100][variant % 5]
    if variant % 6 == 2:
        obj["lang"] = ["en", "fr", "de", "ja"][variant % 4]
    if variant % 4 == 3:
        obj["object_marking_refs"] = [TLP1["amber"] if variant % 8 == 3 else TLP2["green"]]
    if variant % 7 == 4:
        obj["revoked"] = variant % 2 == 0
    if variant % 5 == 2:
        obj["external_references"] = [
            ext_ref("acme-intel", url=f"https://intel.example.com/reports/{variant}",
                    hashes={"SHA-256": SHA256[variant % 4]}),
            ext_ref("internal", external_id=f"TKT-{1000 + variant}",
                    description="tracking ticket"),
        ]
    return obj


VALID = []  # (type_label, object, note)


def add_valid(obj, note, label=None):
    VALID.append((label or obj.get("type"), obj, note))


def build_sdos():
    # attack-pattern
    add_valid(sdo("attack-pattern", name="Spearphishing Attachment"), "minimal attack-pattern")
    add_valid(rich(sdo("attack-pattern", name="Spearphishing Link",
                       description="Adversaries send emails with a malicious link.",
                       aliases=["T1566.002"],
                       kill_chain_phases=[kcp("initial-access")],
                       external_references=[ext_ref("capec", external_id="CAPEC-163"),
                                            ext_ref("mitre-attack", external_id="T1566.002",
                                                    url="https://attack.mitre.org/techniques/T1566/002/")]),
                  1), "attack-pattern with CAPEC and ATT&CK references")
    add_valid(rich(sdo("attack-pattern", digits=6, name="Drive-by Compromise",
                       kill_chain_phases=[kcp("initial-access"),
                                          kcp("exploit", "lockheed-martin-cyber-kill-chain")]),
                   3), "attack-pattern with two kill chains, microsecond created")
    # campaign
    fs, ls_ = window(0)
    add_valid(sdo("campaign", name="Operation Bran Flakes"), "minimal campaign")
    add_valid(rich(sdo("campaign", name="Green Group Attacks Against Finance",
                       description="Campaign by Green Group against targets in the financial "
                                   "services sector.",
                       aliases=["GGAF"], first_seen=fs, last_seen=ls_,
                       objective="Steal credentials"), 5),
              "campaign with first/last seen (0 fractional digits)")
    fs, _ = window(1)
    add_valid(rich(sdo("campaign", name="Kampagne Ünïcödé 攻撃", first_seen=fs, last_seen=fs), 2),
              "campaign with unicode name and first_seen == last_seen")
    # course-of-action
    add_valid(sdo("course-of-action", name="Add TCP port 80 Filter Rule"), "minimal course-of-action")
    add_valid(rich(sdo("course-of-action", name="Block outbound SMB",
                       description="Block TCP 445 at the perimeter."), 6),
              "course-of-action with description")
    # grouping
    add_valid(sdo("grouping", context="suspicious-activity",
                  object_refs=[REFS["indicator"], REFS["malware"]]), "minimal grouping")
    add_valid(rich(sdo("grouping", name="The Black Vine Cyberespionage Group",
                       description="A simple collection of Black Vine objects",
                       context="malware-analysis",
                       object_refs=[REFS["indicator"], REFS["ipv4-addr"], REFS["relationship"],
                                    REFS["file"]]), 7),
              "grouping over SDOs, SCOs and SROs")
    add_valid(sdo("grouping", context="acme-triage", object_refs=[REFS["note"]]),
              "grouping with a context outside grouping-context-ov (open vocabulary: warning)")
    # identity
    add_valid(sdo("identity", name="John Smith"), "minimal identity")
    add_valid(rich(sdo("identity", name="ACME Widget, Inc.", identity_class="organization",
                       sectors=["manufacturing", "technology"],
                       roles=["vendor"], contact_information="soc@acme.example",
                       description="Maker of widgets"), 8),
              "identity with class and sectors")
    add_valid(sdo("identity", name="Σωκράτης Παπαδόπουλος", identity_class="individual",
                  lang="el"), "identity with Greek name")
    add_valid(sdo("identity", name="Bureau of Things", identity_class="government-agency",
                  sectors=["government"]),
              "identity_class outside identity-class-ov (open vocabulary: warning)")
    # incident
    add_valid(sdo("incident", name="Ransomware outbreak at plant 3"), "minimal incident")
    add_valid(rich(sdo("incident", name="Credential theft", description="Phishing led to "
                       "account takeover.", kill_chain_phases=[kcp("credential-access")]), 9),
              "incident with kill chain phase")
    # indicator (more below, with patterns)
    vf, vu = window(3)
    add_valid(sdo("indicator", pattern="[ipv4-addr:value = '198.51.100.1']", pattern_type="stix",
                  valid_from=vf), "minimal indicator")
    add_valid(rich(sdo("indicator", name="Poison Ivy Malware",
                       description="This file is part of Poison Ivy",
                       indicator_types=["malicious-activity"],
                       pattern="[file:hashes.'SHA-256' = '" + SHA256[0] + "']",
                       pattern_type="stix", pattern_version="2.1", valid_from=vf, valid_until=vu,
                       kill_chain_phases=[kcp("installation", "lockheed-martin-cyber-kill-chain")]),
                   10), "indicator with valid_until and kill chain")
    # infrastructure
    fs, ls_ = window(2)
    add_valid(sdo("infrastructure", name="Poison Ivy C2"), "minimal infrastructure")
    add_valid(rich(sdo("infrastructure", name="Example Botnet", description="Large botnet",
                       infrastructure_types=["botnet", "command-and-control"],
                       aliases=["EB-1"], first_seen=fs, last_seen=ls_,
                       kill_chain_phases=[kcp("command-and-control")]), 11),
              "infrastructure with types and first/last seen")
    # intrusion-set
    fs, ls_ = window(4)
    add_valid(sdo("intrusion-set", name="Bobcat Breakin"), "minimal intrusion-set")
    add_valid(rich(sdo("intrusion-set", name="Bobcat Breakin II",
                       description="Incidents usually feature a shared TTP of a bobcat being "
                                   "released within the building containing network access",
                       aliases=["Zookeeper"], goals=["acquisition-theft", "harassment", "damage"],
                       first_seen=fs, last_seen=ls_, resource_level="organization",
                       primary_motivation="organizational-gain",
                       secondary_motivations=["notoriety", "personal-gain"]), 12),
              "intrusion-set with motivations")
    # location
    add_valid(sdo("location", region="northern-america"), "location by region")
    add_valid(sdo("location", name="Ottawa", country="ca", administrative_area="ON",
                  city="Ottawa", postal_code="K1A 0A6", street_address="80 Wellington St"),
              "location by country")
    add_valid(rich(sdo("location", latitude=48.8566, longitude=2.3522, precision=1000.0,
                       name="Paris"), 13), "location by latitude/longitude with precision")
    add_valid(sdo("location", latitude=-33.8688, longitude=151.2093), "location southern hemisphere")
    add_valid(sdo("location", latitude=90, longitude=-180, name="Edge of the map"),
              "location at the latitude/longitude bounds")
    # malware
    add_valid(sdo("malware", is_family=False), "minimal malware (not a family, no name)")
    add_valid(sdo("malware", is_family=True, name="Cryptolocker"), "malware family")
    fs, ls_ = window(5)
    add_valid(rich(sdo("malware", name="Cryptolocker", is_family=True,
                       description="A variant of the cryptolocker family",
                       malware_types=["ransomware"], aliases=["CL"],
                       kill_chain_phases=[kcp("exploitation", "lockheed-martin-cyber-kill-chain")],
                       first_seen=fs, last_seen=ls_,
                       operating_system_refs=[REFS["software"]],
                       architecture_execution_envs=["x86", "x86-64"],
                       implementation_languages=["c", "c++"],
                       capabilities=["exfiltrates-data", "evades-av"],
                       sample_refs=[REFS["file"], REFS["artifact"]]), 14),
              "malware with every optional property")
    # malware-analysis
    add_valid(sdo("malware-analysis", product="microsoft", result="malicious"),
              "minimal malware-analysis with result")
    s1, s2 = window(3, gap=600)
    add_valid(rich(sdo("malware-analysis", product="anti-virus scanner", version="8.1",
                       host_vm_ref=REFS["software"], operating_system_ref=REFS["software"],
                       installed_software_refs=[REFS["software"]],
                       configuration_version="1.7", modules=["Super Analyzer"],
                       analysis_engine_version="23.1", analysis_definition_version="2021.05.01",
                       submitted=s1, analysis_started=s1, analysis_ended=s2,
                       result_name="Trojan.Generic", result="suspicious",
                       analysis_sco_refs=[REFS["file"], REFS["url"]],
                       sample_ref=REFS["file"]), 15),
              "malware-analysis with every optional property")
    add_valid(sdo("malware-analysis", product="sandbox", analysis_sco_refs=[REFS["domain-name"]],
                  sample_ref=REFS["network-traffic"]),
              "malware-analysis with analysis_sco_refs only")
    # note
    add_valid(sdo("note", content="This note indicates the various steps taken by the threat "
                                  "analyst team to investigate this specific campaign.",
                  object_refs=[REFS["campaign"]]), "minimal note")
    add_valid(rich(sdo("note", abstract="Tracking Team Note#1", content="Nota bene — ✓",
                       authors=["John Doe", "Ärzte ohne Grenzen"],
                       object_refs=[REFS["campaign"], REFS["ipv4-addr"]]), 16),
              "note with authors and unicode")
    # observed-data
    fo, lo = window(3, gap=3600)
    add_valid(sdo("observed-data", first_observed=fo, last_observed=lo, number_observed=50,
                  object_refs=[REFS["ipv4-addr"], REFS["domain-name"]]), "observed-data with object_refs")
    add_valid(rich(sdo("observed-data", first_observed=fo, last_observed=fo, number_observed=1,
                       object_refs=[REFS["file"]]), 17), "observed-data single observation")
    add_valid(sdo("observed-data", first_observed=fo, last_observed=lo, number_observed=999999999,
                  object_refs=[REFS["network-traffic"]]), "observed-data at the number_observed maximum")
    # opinion
    add_valid(sdo("opinion", opinion="strongly-disagree", object_refs=[REFS["relationship"]]),
              "minimal opinion")
    for i, op in enumerate(["disagree", "neutral", "agree", "strongly-agree"]):
        add_valid(rich(sdo("opinion", opinion=op, explanation="Assessment " + op,
                           authors=["Analyst " + str(i)], object_refs=[REFS["indicator"]]), 18 + i),
                  f"opinion {op}")
    # report
    pub, _ = window(0)
    add_valid(sdo("report", name="The Black Vine Cyberespionage Group", published=pub,
                  object_refs=[REFS["indicator"], REFS["campaign"], REFS["relationship"]]),
              "minimal report")
    pub, _ = window(7)
    add_valid(rich(sdo("report", name="Poison Ivy report", description="Deep dive",
                       report_types=["campaign", "threat-report"], published=pub,
                       object_refs=[REFS["malware"], REFS["threat-actor"], REFS["file"]]), 22),
              "report with types, published with 7 fractional digits")
    # threat-actor
    fs, ls_ = window(6)
    add_valid(sdo("threat-actor", name="Evil Org"), "minimal threat-actor")
    add_valid(rich(sdo("threat-actor", name="Evil Org II", description="The Evil Org threat actor",
                       threat_actor_types=["crime-syndicate"], aliases=["Syndicate 1"],
                       first_seen=fs, last_seen=ls_, roles=["director"],
                       goals=["Steal bank money"], sophistication="advanced",
                       resource_level="organization", primary_motivation="personal-gain",
                       secondary_motivations=["dominance"],
                       personal_motivations=["revenge"]), 23),
              "threat-actor with every optional property")
    # tool
    add_valid(sdo("tool", name="VNC"), "minimal tool")
    add_valid(rich(sdo("tool", name="mimikatz", description="Credential dumper",
                       tool_types=["credential-exploitation"], aliases=["mimi"],
                       kill_chain_phases=[kcp("credential-access")], tool_version="2.2.0"), 24),
              "tool with every optional property")
    # vulnerability
    add_valid(sdo("vulnerability", name="CVE-2016-1234",
                  external_references=[ext_ref("cve", external_id="CVE-2016-1234")]),
              "vulnerability with CVE reference")
    add_valid(rich(sdo("vulnerability", name="Log4Shell", description="JNDI lookup RCE",
                       external_references=[ext_ref("cve", external_id="CVE-2021-44228",
                                                    url="https://nvd.nist.gov/vuln/detail/CVE-2021-44228")]),
                   25), "vulnerability with CVE reference and URL")
    add_valid(sdo("vulnerability", name="Internal finding 7"), "vulnerability without references")
    # extra common-property coverage across types
    for i, t in enumerate(["attack-pattern", "campaign", "course-of-action", "identity",
                           "incident", "infrastructure", "intrusion-set", "threat-actor",
                           "tool", "vulnerability"]):
        add_valid(rich(sdo(t, digits=3 + (i % 7), name=f"{t} #{i}"), 26 + i),
                  f"{t} with common optional properties, {3 + (i % 7)} fractional digits")


def build_sros():
    add_valid(sdo("relationship", relationship_type="indicates", source_ref=REFS["indicator"],
                  target_ref=REFS["malware"]), "relationship indicator indicates malware")
    st, sp = window(3)
    add_valid(rich(sdo("relationship", relationship_type="uses",
                       description="Campaign uses the tool", source_ref=REFS["campaign"],
                       target_ref=REFS["tool"], start_time=st, stop_time=sp), 30),
              "relationship with start/stop time")
    add_valid(sdo("relationship", relationship_type="resolves-to",
                  source_ref=REFS["domain-name"], target_ref=REFS["ipv4-addr"]),
              "relationship between two SCOs")
    add_valid(sdo("relationship", relationship_type="attributed-to",
                  source_ref=REFS["intrusion-set"], target_ref=REFS["threat-actor"]),
              "relationship attributed-to")
    add_valid(sdo("relationship", relationship_type="x-acme-hosts",
                  source_ref=REFS["infrastructure"], target_ref=REFS["url"]),
              "relationship with a custom relationship_type")
    add_valid(sdo("relationship", relationship_type="mitigates",
                  source_ref=REFS["course-of-action"], target_ref=REFS["attack-pattern"]),
              "relationship mitigates")
    add_valid(sdo("relationship", relationship_type="related-to",
                  source_ref=REFS["note"], target_ref=REFS["x509-certificate"]),
              "relationship from an SDO to an SCO")
    add_valid(sdo("sighting", sighting_of_ref=REFS["indicator"]), "minimal sighting")
    fs, ls_ = window(3)
    add_valid(rich(sdo("sighting", description="Seen at two sites", first_seen=fs,
                       last_seen=ls_, count=2, sighting_of_ref=REFS["malware"],
                       observed_data_refs=[REFS["observed-data"]],
                       where_sighted_refs=[REFS["identity"], REFS["location"]],
                       summary=False), 31), "sighting with every optional property")
    add_valid(sdo("sighting", count=0, sighting_of_ref=REFS["attack-pattern"], summary=True),
              "sighting with count 0")
    add_valid(sdo("sighting", count=999999999, sighting_of_ref=REFS["infrastructure"]),
              "sighting at the count maximum")


def build_meta():
    # language-content
    add_valid(sdo("language-content", object_ref=REFS["campaign"],
                  object_modified="2017-02-08T21:31:22.007Z",
                  contents={"de": {"name": "Bank Angriff 1",
                                   "description": "Weitere Informationen über Banküberfall"},
                            "fr": {"name": "Attaque Bank 1",
                                   "description": "Plus d'informations sur la crise bancaire"}}),
              "language-content with two languages", "language-content")
    add_valid(sdo("language-content", object_ref=REFS["indicator"],
                  contents={"ja": {"name": "悪意のあるドメイン"}}),
              "language-content with Japanese", "language-content")
    add_valid(sdo("language-content", object_ref=REFS["attack-pattern"],
                  object_modified="2020-01-01T00:00:00.000Z", created_by_ref=IDENTITY_REF,
                  contents={"es": {"name": "Ataque", "kill_chain_phases": [
                      {"kill_chain_name": "mitre-attack", "phase_name": "acceso-inicial"}]}}),
              "language-content translating a list", "language-content")
    # marking-definition: statement
    add_valid({"type": "marking-definition", "spec_version": "2.1",
               "id": new_id("marking-definition"), "created": "2016-08-01T00:00:00.000Z",
               "definition_type": "statement",
               "definition": {"statement": "Copyright 2019, Example Corp"}},
              "statement marking", "marking-definition")
    add_valid({"type": "marking-definition", "spec_version": "2.1",
               "id": new_id("marking-definition"), "created": "2021-03-04T05:06:07.890Z",
               "created_by_ref": IDENTITY_REF, "name": "Internal use only",
               "definition_type": "statement",
               "definition": {"statement": "Do not share outside ACME."},
               "external_references": [ext_ref("acme-policy", url="https://policy.example.com/tlp")]},
              "statement marking with name and created_by_ref", "marking-definition")
    # TLP 1.0: the fixed objects of STIX 2.1 §7.2.1.4
    for level, mid in TLP1.items():
        add_valid({"type": "marking-definition", "spec_version": "2.1", "id": mid,
                   "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
                   "name": f"TLP:{level.upper()}", "definition": {"tlp": level}},
                  f"TLP 1.0 {level}", "marking-definition")
    # TLP 2.0: extension-based markings
    for level, mid in TLP2.items():
        add_valid({"type": "marking-definition", "spec_version": "2.1", "id": mid,
                   "created": "2022-10-01T00:00:00.000Z", "created_by_ref": TLP2_CREATED_BY,
                   "name": f"TLP:{level.upper()}",
                   "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension",
                                                   "tlp_2_0": level}}},
                  f"TLP 2.0 {level} (extension-based)", "marking-definition")
    # extension-definition
    add_valid(sdo("extension-definition", created_by_ref=IDENTITY_REF,
                  name="Extension My Favorite SDO and Sub-Comp",
                  description="This schema adds a new object my-favorite-sdo and sub-component",
                  schema="https://www.example.com/schema-my-favorite-sdo-1/v1/",
                  version="1.2.1", extension_types=["new-sdo"]),
              "extension-definition new-sdo", "extension-definition")
    add_valid(sdo("extension-definition", created_by_ref=IDENTITY_REF,
                  name="Extension Foo 1", description="This schema adds two properties",
                  schema="https://www.example.com/schema-foo-1/v1/", version="1.2.1",
                  extension_types=["property-extension"]),
              "extension-definition property-extension", "extension-definition")
    add_valid(sdo("extension-definition", created_by_ref=IDENTITY_REF,
                  name="Top level extension", schema="https://www.example.com/schema-toplevel/v1/",
                  version="1.0.0",
                  extension_types=["toplevel-property-extension", "property-extension"],
                  extension_properties=["toxicity", "rank"]),
              "extension-definition toplevel-property-extension with extension_properties",
              "extension-definition")
    add_valid(rich(sdo("extension-definition", created_by_ref=IDENTITY_REF, name="New SCO and SRO",
                       schema="https://www.example.com/schema-sco/v2/", version="2.0.0",
                       extension_types=["new-sco", "new-sro"]), 41),
              "extension-definition new-sco and new-sro", "extension-definition")


def build_custom():
    add_valid(sdo("x-acme-widget", name="Widget 7", widget_color="blue",
                  extensions={EXT_NEW_SDO: {"extension_type": "new-sdo"}}),
              "custom object declared by a new-sdo extension-definition", "x-acme-widget")
    add_valid(sdo("my-favorite-sdo", name="This is the name of my favorite",
                  some_property_name1="value1", some_property_name2="value2",
                  extensions={EXT_NEW_SDO: {"extension_type": "new-sdo"}}),
              "custom object without x- prefix declared by new-sdo", "my-favorite-sdo")
    add_valid(sco("x-acme-sensor", random_id=True, serial_number="SN-0042",
                  extensions={EXT_NEW_SCO: {"extension_type": "new-sco"}}),
              "custom SCO declared by a new-sco extension-definition", "x-acme-sensor")
    add_valid(sdo("x-acme-link", source_ref=REFS["indicator"], target_ref=REFS["campaign"],
                  extensions={EXT_NEW_SRO: {"extension_type": "new-sro"}}),
              "custom SRO declared by a new-sro extension-definition", "x-acme-link")
    add_valid(sdo("indicator", pattern="[domain-name:value = 'evil.example']",
                  pattern_type="stix", valid_from="2020-01-01T00:00:00Z",
                  extensions={EXT_PROPERTY: {"extension_type": "property-extension",
                                             "rank": 5, "toxicity": 8}}),
              "property-extension on an indicator")
    add_valid(sco("file", name="foo.exe",
                  extensions={EXT_PROPERTY: {"extension_type": "property-extension",
                                             "rank": 1, "toxicity": 2}}),
              "property-extension on an SCO")
    add_valid(sdo("campaign", name="Top level campaign", toxicity=8, rank=5,
                  extensions={EXT_TOPLEVEL: {"extension_type": "toplevel-property-extension"}}),
              "toplevel-property-extension with its top-level properties")
    add_valid(sdo("identity", name="Toplevel identity", rank=1,
                  extensions={EXT_TOPLEVEL: {"extension_type": "toplevel-property-extension"},
                              EXT_PROPERTY: {"extension_type": "property-extension",
                                             "toxicity": 1}}),
              "toplevel and property extensions together")
    add_valid(sdo("threat-actor", name="Custom props", x_acme_score=7, x_acme_tags=["a", "b"],
                  x_acme_meta={"origin": "feed-1"}),
              "custom properties with the x_ prefix (lenient)")
    add_valid(sco("ipv4-addr", value="203.0.113.9", x_acme_asn_hint="64496"),
              "SCO with a custom property")
    add_valid(sdo("x-acme-undeclared", name="no extension"),
              "custom object type not declared by any extension (lenient)", "x-acme-undeclared")
    add_valid(sco("url", value="https://custom-ext.example/",
                  extensions={"x-acme-url-ext": {"reputation": 3}}),
              "custom predefined-style extension name (lenient, warning)")


def build_scos():
    # artifact
    add_valid(sco("artifact", mime_type="application/zip",
                  payload_bin="UEsDBAoAAAAAAKBvZ1MAAAAAAAAAAAAAAAAJABwAdGVzdC50eHQ="),
              "artifact with payload_bin")
    add_valid(sco("artifact", mime_type="application/octet-stream",
                  url="https://files.example.com/sample.bin", hashes={"SHA-256": SHA256[1]}),
              "artifact with url and hashes")
    add_valid(sco("artifact", mime_type="application/x-acme-capture", payload_bin="QUNNRQ=="),
              "artifact with a well-formed media type that IANA has not registered")
    add_valid(sco("artifact", payload_bin="aGVsbG8gd29ybGQ=", encryption_algorithm="AES-256-GCM",
                  decryption_key="My voice is my passport"),
              "encrypted artifact with decryption key")
    add_valid(sco("artifact", payload_bin="AAEC", encryption_algorithm="ChaCha20-Poly1305"),
              "encrypted artifact without key")
    # autonomous-system
    add_valid(sco("autonomous-system", number=15139), "minimal autonomous-system")
    add_valid(sco("autonomous-system", number=64496, name="Slime Industries", rir="ARIN"),
              "autonomous-system with name and rir")
    # directory
    c, m = window(0)
    add_valid(sco("directory", path="C:\\Windows\\System32"), "minimal directory")
    add_valid(sco("directory", path="/home/user/ドキュメント", path_enc="UTF-8", ctime=c, mtime=m,
                  atime=m, contains_refs=[REFS["file"], REFS["directory"]]),
              "directory with times and contains_refs")
    # domain-name
    add_valid(sco("domain-name", value="example.com"), "minimal domain-name")
    add_valid(sco("domain-name", value="mail.example.org",
                  resolves_to_refs=[REFS["ipv4-addr"], REFS["ipv6-addr"], REFS["domain-name"]]),
              "domain-name with resolves_to_refs")
    add_valid(sco("domain-name", value="xn--bcher-kva.example", defanged=False),
              "punycode domain-name")
    # email-addr
    add_valid(sco("email-addr", value="john@example.com"), "minimal email-addr")
    add_valid(sco("email-addr", value="jane@example.com", display_name="Jane Smith",
                  belongs_to_ref=REFS["user-account"]), "email-addr with belongs_to_ref")
    # email-message
    add_valid(sco("email-message", is_multipart=False), "minimal email-message")
    d, _ = window(0)
    add_valid(sco("email-message", is_multipart=False, date=d, content_type="text/plain",
                  from_ref=REFS["email-addr"], sender_ref=REFS["email-addr"],
                  to_refs=[REFS["email-addr"]], cc_refs=[REFS["email-addr"]],
                  bcc_refs=[REFS["email-addr"]], message_id="<1234@example.com>",
                  subject="Saying Hello", received_lines=["from mail.example.com"],
                  additional_header_fields={"Reply-To": ["steve@example.com",
                                                         "jane@example.com"],
                                            "Comments": ["first", "second"]},
                  body="Hello, Jane", raw_email_ref=REFS["artifact"]),
              "email-message with every single-part property")
    add_valid(sco("email-message", is_multipart=True, content_type="multipart/mixed",
                  subject="Check out this picture!",
                  body_multipart=[
                      {"content_type": "text/plain; charset=utf-8",
                       "content_disposition": "inline", "body": "Cats are funny!"},
                      {"content_type": "image/png",
                       "content_disposition": "attachment; filename=\"tabby.png\"",
                       "body_raw_ref": REFS["artifact"]},
                      {"content_type": "application/zip", "body_raw_ref": REFS["file"]}]),
              "multipart email-message")
    # file
    add_valid(sco("file", name="foo.dll"), "file with name only")
    add_valid(sco("file", hashes={"SHA-256": SHA256[2]}), "file with hashes only")
    c, m = window(5)
    add_valid(sco("file", hashes={"MD5": MD5[0], "SHA-1": SHA1[0], "SHA-256": SHA256[3],
                                  "SHA-512": SHA512, "SSDEEP": "96:jC3yU1n8YWrqD:jCiU18YW"},
                  size=25536, name="qwerty.dll", name_enc="windows-1252",
                  magic_number_hex="4D5A", mime_type="application/x-dosexec",
                  ctime=c, mtime=m, atime=m, parent_directory_ref=REFS["directory"],
                  contains_refs=[REFS["file"]], content_ref=REFS["artifact"]),
              "file with every property")
    add_valid(sco("file", name="résumé – final.pdf", size=0), "file with unicode name, size 0")
    add_valid(sco("file", name="sample.bin", random_id=True),
              "file with a random UUIDv4 id (deterministic id is a SHOULD: warning)")
    # ipv4-addr / ipv6-addr
    add_valid(sco("ipv4-addr", value="198.51.100.3"), "minimal ipv4-addr")
    add_valid(sco("ipv4-addr", value="198.51.100.0/24", resolves_to_refs=[REFS["mac-addr"]],
                  belongs_to_refs=[REFS["autonomous-system"]]), "ipv4 CIDR with refs")
    add_valid(sco("ipv6-addr", value="2001:0db8:85a3:0000:0000:8a2e:0370:7334"), "minimal ipv6-addr")
    add_valid(sco("ipv6-addr", value="2001:db8::/96", belongs_to_refs=[REFS["autonomous-system"]]),
              "ipv6 CIDR")
    # mac-addr
    add_valid(sco("mac-addr", value="d2:fb:49:24:37:18"), "mac-addr")
    # mutex
    add_valid(sco("mutex", name="__CLEANSWEEP__"), "mutex")
    add_valid(sco("mutex", name="Global\\{B5F2A1B0-7C1D-4E5F}"), "mutex with backslash")
    # network-traffic
    s, e = window(3, gap=120)
    add_valid(sco("network-traffic", src_ref=REFS["ipv4-addr"], protocols=["ipv4", "tcp"]),
              "minimal network-traffic")
    add_valid(sco("network-traffic", start=s, end=e, is_active=False,
                  src_ref=REFS["ipv4-addr"], dst_ref=REFS["domain-name"], src_port=49152,
                  dst_port=443, protocols=["ipv4", "tcp", "ssl"], src_byte_count=147600,
                  dst_byte_count=3242, src_packets=14, dst_packets=3,
                  ipfix={"minimumIpTotalLength": 32, "maximumIpTotalLength": 2556},
                  src_payload_ref=REFS["artifact"], dst_payload_ref=REFS["artifact"],
                  encapsulates_refs=[REFS["network-traffic"]],
                  encapsulated_by_ref=REFS["network-traffic"]),
              "network-traffic with every property")
    add_valid(sco("network-traffic", start=s, is_active=True, dst_ref=REFS["mac-addr"],
                  dst_port=0, protocols=["ethernet"]), "active network-traffic, port 0")
    add_valid(sco("network-traffic", dst_ref=REFS["ipv6-addr"], src_port=65535,
                  protocols=["ipv6", "udp", "dns"]), "network-traffic with port 65535")
    # process
    add_valid(sco("process", pid=1221), "minimal process")
    ct, _ = window(0)
    add_valid(sco("process", is_hidden=False, pid=314, created_time=ct, cwd="/tmp/",
                  command_line="./gedit-bin --new-window",
                  environment_variables={"HOME": "/home/user", "LANG": "C.UTF-8"},
                  opened_connection_refs=[REFS["network-traffic"]],
                  creator_user_ref=REFS["user-account"], image_ref=REFS["file"],
                  parent_ref=REFS["process"], child_refs=[REFS["process"]]),
              "process with every property")
    add_valid(sco("process", command_line="C:\\Windows\\System32\\cmd.exe /c whoami"),
              "process with only a command line")
    # software
    add_valid(sco("software", name="Word"), "minimal software")
    add_valid(sco("software", name="Word", cpe="cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*",
                  swid="com.microsoft.word", languages=["eng", "fra"], vendor="Microsoft",
                  version="2002"), "software with cpe and languages")
    # url
    add_valid(sco("url", value="https://example.com/research/index.html"), "url")
    add_valid(sco("url", value="ftp://files.example.org/pub/%C3%BCn%C3%AFc%C3%B6d%C3%A9.txt"),
              "ftp url with percent-encoded UTF-8")
    # user-account
    add_valid(sco("user-account", user_id="1001", account_login="jdoe", account_type="unix",
                  display_name="John Doe", is_service_account=False, is_privileged=False,
                  can_escalate_privs=True, is_disabled=False,
                  account_created="2016-01-20T12:31:12Z",
                  account_expires="2018-01-20T12:31:12Z",
                  credential_last_changed="2016-01-20T14:27:43Z",
                  account_first_login="2016-01-20T14:26:07Z",
                  account_last_login="2016-07-22T16:08:28Z"),
              "user-account with every property")
    add_valid(sco("user-account", user_id="thegrugq_ebooks", account_login="thegrugq_ebooks",
                  account_type="twitter", display_name="the grugq"), "twitter user-account")
    add_valid(sco("user-account", user_id="S-1-5-21-1", credential="Password1",
                  account_type="windows-domain"), "windows domain account with credential")
    # windows-registry-key
    add_valid(sco("windows-registry-key",
                  key="HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"),
              "minimal windows-registry-key")
    add_valid(sco("windows-registry-key", key="hkey_local_machine\\system\\bar\\foo",
                  values=[{"name": "Foo", "data": "qwerty", "data_type": "REG_SZ"},
                          {"name": "Bar", "data": "42", "data_type": "REG_DWORD"},
                          {"name": "", "data": "default", "data_type": "REG_EXPAND_SZ"}],
                  modified_time="2021-01-01T12:00:00.5Z", creator_user_ref=REFS["user-account"],
                  number_of_subkeys=2), "windows-registry-key with values")
    # x509-certificate
    add_valid(sco("x509-certificate", issuer="C=ZA, ST=Western Cape, L=Cape Town, O=Thawte",
                  validity_not_before="2016-03-12T12:00:00Z",
                  validity_not_after="2016-08-21T12:00:00Z",
                  subject="C=US, ST=Maryland, L=Pasadena, O=Brent Baccala, OU=FreeSoft, "
                          "CN=www.freesoft.org/emailAddress=baccala@freesoft.org",
                  serial_number="36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49:32:0a:b7:06"),
              "x509-certificate")
    add_valid(sco("x509-certificate", is_self_signed=True, hashes={"SHA-256": SHA256[0]},
                  version="3", signature_algorithm="md5WithRSAEncryption",
                  subject_public_key_algorithm="rsaEncryption",
                  subject_public_key_modulus="00:b4:ff:a9", subject_public_key_exponent=65537,
                  x509_v3_extensions={"basic_constraints": "critical,CA:TRUE",
                                      "key_usage": "digitalSignature",
                                      "private_key_usage_period_not_before": "2016-03-12T12:00:00Z",
                                      "private_key_usage_period_not_after": "2018-03-12T12:00:00Z"}),
              "self-signed x509-certificate with v3 extensions")
    # markings on SCOs
    add_valid(sco("domain-name", value="marked.example", object_marking_refs=[TLP2["amber"]],
                  granular_markings=[{"marking_ref": TLP1["red"], "selectors": ["value"]}]),
              "SCO with object and granular markings")


def build_sco_extensions():
    add_valid(sco("file", name="foo.zip", hashes={"SHA-256": SHA256[3]},
                  extensions={"archive-ext": {"contains_refs": [REFS["file"], REFS["directory"]],
                                              "comment": "Zip with stuff"}}), "file archive-ext")
    add_valid(sco("file", name="ads.txt",
                  extensions={"ntfs-ext": {"sid": "S-1-5-21-1234",
                                           "alternate_data_streams": [
                                               {"name": "second.stream", "size": 25536,
                                                "hashes": {"SHA-256": SHA256[0]}},
                                               {"name": "Zone.Identifier"}]}}), "file ntfs-ext")
    add_valid(sco("file", name="doc.pdf",
                  extensions={"pdf-ext": {"version": "1.7", "is_optimized": False,
                                          "document_info_dict": {"Title": "Sample document",
                                                                 "Author": "Adobe Systems",
                                                                 "CreationDate": "20070412090123-02"},
                                          "pdfid0": "DFCE52BD827ECF765649852119D",
                                          "pdfid1": "57A1E0F9ED2AE523E313C"}}), "file pdf-ext")
    add_valid(sco("file", name="picture.jpg", hashes={"MD5": MD5[2]},
                  extensions={"raster-image-ext": {"image_height": 768, "image_width": 1024,
                                                   "bits_per_pixel": 72,
                                                   "exif_tags": {"Make": "Nikon", "Model": "D7000",
                                                                 "XResolution": 4928}}}),
              "file raster-image-ext")
    add_valid(sco("file", name="a.exe",
                  extensions={"windows-pebinary-ext": {
                      "pe_type": "exe", "machine_hex": "014c", "number_of_sections": 4,
                      "time_date_stamp": "2016-01-22T12:31:12Z",
                      "pointer_to_symbol_table_hex": "74726144", "number_of_symbols": 4542568,
                      "size_of_optional_header": 224, "characteristics_hex": "818f",
                      "imphash": "1c8e1d2e3c1f8d6b7a4e9f0c2d3b5a6e",
                      "file_header_hashes": {"SHA-256": SHA256[2]},
                      "optional_header": {"magic_hex": "010b", "major_linker_version": 2,
                                          "minor_linker_version": 25, "size_of_code": 512,
                                          "size_of_initialized_data": 283648,
                                          "size_of_uninitialized_data": 0,
                                          "address_of_entry_point": 4096,
                                          "base_of_code": 4096, "base_of_data": 8192,
                                          "image_base": 14548992, "section_alignment": 4096,
                                          "file_alignment": 4096,
                                          "major_os_version": 1, "minor_os_version": 0,
                                          "major_image_version": 0, "minor_image_version": 0,
                                          "major_subsystem_version": 4,
                                          "minor_subsystem_version": 0,
                                          "win32_version_value_hex": "00",
                                          "size_of_image": 299008, "size_of_headers": 4096,
                                          "checksum_hex": "00", "subsystem_hex": "03",
                                          "dll_characteristics_hex": "00",
                                          "size_of_stack_reserve": 100000,
                                          "size_of_stack_commit": 8192,
                                          "size_of_heap_reserve": 100000,
                                          "size_of_heap_commit": 4096, "loader_flags_hex": "abdbffde",
                                          "number_of_rva_and_sizes": 3758087646},
                      "sections": [{"name": "CODE", "entropy": 0.061089},
                                   {"name": "DATA", "size": 4096, "entropy": 7.980693,
                                    "hashes": {"SHA-256": SHA256[1]}}]}}),
              "file windows-pebinary-ext with every property")
    add_valid(sco("file", name="b.dll", extensions={"windows-pebinary-ext": {"pe_type": "dll",
                                                                       "number_of_sections": 3}}),
              "file windows-pebinary-ext: pe_type and one more property")
    add_valid(sco("network-traffic", dst_ref=REFS["ipv4-addr"], protocols=["tcp", "http"],
                  extensions={"http-request-ext": {
                      "request_method": "get", "request_value": "/download.html",
                      "request_version": "http/1.1",
                      "request_header": {"Accept-Encoding": ["gzip,deflate"],
                                         "User-Agent": ["Mozilla/5.0 (Windows; U; Windows NT 5.1; "
                                                        "en-US; rv:1.6) Gecko/20040113"],
                                         "Host": ["www.example.com"]},
                      "message_body_length": 0, "message_body_data_ref": REFS["artifact"]}}),
              "network-traffic http-request-ext")
    add_valid(sco("network-traffic", src_ref=REFS["ipv4-addr"], protocols=["icmp"],
                  extensions={"icmp-ext": {"icmp_type_hex": "08", "icmp_code_hex": "00"}}),
              "network-traffic icmp-ext")
    add_valid(sco("network-traffic", src_ref=REFS["ipv4-addr"], src_port=223,
                  protocols=["ipv4", "tcp"],
                  extensions={"socket-ext": {"address_family": "AF_INET", "is_blocking": True,
                                             "is_listening": True, "socket_type": "SOCK_STREAM",
                                             "options": {"SO_REUSEADDR": 1, "SO_KEEPALIVE": 1},
                                             "socket_descriptor": 3, "socket_handle": 12}}),
              "network-traffic socket-ext")
    add_valid(sco("network-traffic", src_ref=REFS["ipv6-addr"], protocols=["ipv6", "udp"],
                  extensions={"socket-ext": {"address_family": "AF_INET6",
                                             "socket_type": "SOCK_DGRAM"}}),
              "network-traffic socket-ext IPv6")
    add_valid(sco("network-traffic", src_ref=REFS["ipv4-addr"], protocols=["tcp"],
                  extensions={"tcp-ext": {"src_flags_hex": "00000002"}}), "network-traffic tcp-ext")
    add_valid(sco("network-traffic", dst_ref=REFS["ipv4-addr"], protocols=["tcp"],
                  extensions={"tcp-ext": {"src_flags_hex": "12", "dst_flags_hex": "10"}}),
              "network-traffic tcp-ext both flags")
    add_valid(sco("process", pid=2217, command_line="C:\\Windows\\System32\\sirvizio.exe /s",
                  image_ref=REFS["file"],
                  extensions={"windows-process-ext": {"aslr_enabled": True, "dep_enabled": True,
                                                      "priority": "HIGH_PRIORITY_CLASS",
                                                      "owner_sid": "S-1-5-21-186985262",
                                                      "window_title": "Sirvizio",
                                                      "integrity_level": "high",
                                                      "startup_info": {"lpDesktop": "winsta0\\default",
                                                                       "lpTitle": "Sirvizio"}}}),
              "process windows-process-ext")
    add_valid(sco("process", pid=2218, extensions={"windows-service-ext": {
        "service_name": "sirvizio", "display_name": "Sirvizio",
        "descriptions": ["Sirvizio service"], "group_name": "LocalService",
        "start_type": "SERVICE_AUTO_START", "service_dll_refs": [REFS["file"]],
        "service_type": "SERVICE_WIN32_OWN_PROCESS", "service_status": "SERVICE_RUNNING"}}),
              "process windows-service-ext")
    add_valid(sco("process", pid=99, extensions={
        "windows-process-ext": {"integrity_level": "system"},
        "windows-service-ext": {"service_name": "svc", "start_type": "SERVICE_DISABLED",
                                "service_type": "SERVICE_KERNEL_DRIVER",
                                "service_status": "SERVICE_STOPPED"}}),
              "process with both Windows extensions")
    add_valid(sco("user-account", user_id="1001", account_login="jdoe", account_type="unix",
                  extensions={"unix-account-ext": {"gid": 1001, "groups": ["wheel"],
                                                   "home_dir": "/home/jdoe",
                                                   "shell": "/bin/bash"}}),
              "user-account unix-account-ext")


# Patterns that parse (STIX 2.1 §9): every operator, qualifier and literal kind.
VALID_PATTERNS = [
    "[ipv4-addr:value = '198.51.100.1']",
    "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
    "[ipv4-addr:value ISSUPERSET '198.51.100.17']",
    "[domain-name:value != 'example.com']",
    "[file:size > 1024]",
    "[file:size < 1048576]",
    "[file:size >= 0]",
    "[file:size <= 99999]",
    "[file:name IN ('a.exe', 'b.exe', 'c.dll')]",
    "[network-traffic:dst_port IN (80, 443, 8080)]",
    "[file:name LIKE 'invoice%.pdf']",
    "[url:value MATCHES '^https?://[a-z]+\\\\.example\\\\.com/']",
    "[file:hashes.'SHA-256' = '" + SHA256[0] + "']",
    "[file:hashes.MD5 = '" + MD5[0] + "' OR file:hashes.'SHA-1' = '" + SHA1[0] + "']",
    "[email-message:from_ref.value = 'x@example.com' AND email-message:subject LIKE '%invoice%']",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_port = 443]",
    "[network-traffic:protocols[*] = 'tcp']",
    "[email-message:to_refs[0].value = 'a@example.org']",
    "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Run' AND "
    "windows-registry-key:values[*].data LIKE '%.exe']",
    "[process:command_line MATCHES 'powershell.*-enc' AND process:pid > 4]",
    "[artifact:payload_bin = b'TVqQAAMAAAAEAAAA']",
    "[file:magic_number_hex = h'ffd8']",
    "[file:mtime > t'2020-01-01T00:00:00.123Z']",
    "[user-account:is_privileged = true]",
    "[user-account:account_login = 'root' AND user-account:is_disabled = false]",
    "[x509-certificate:issuer = 'CN=Evil CA']",
    "[software:name = 'Acme' AND software:version != '1.0']",
    "[mutex:name = 'Global\\\\xyz']",
    "[autonomous-system:number = 64496]",
    "[mac-addr:value = 'd2:fb:49:24:37:18']",
    "[email-addr:value = 'x@example.com'] FOLLOWEDBY [url:value = 'https://example.com/x']",
    "[ipv4-addr:value = '198.51.100.5'] AND [domain-name:value = 'a.example']",
    "[ipv4-addr:value = '198.51.100.6'] OR [ipv6-addr:value = '2001:db8::1']",
    "([file:name = 'a.exe'] AND [process:name = 'a.exe']) FOLLOWEDBY [network-traffic:dst_port = 4444]",
    "[file:name = 'dropper.exe'] WITHIN 300 SECONDS",
    "[network-traffic:dst_port = 22] REPEATS 5 TIMES",
    "[file:name = 'x.bat'] START t'2020-01-01T00:00:00Z' STOP t'2020-12-31T23:59:59Z'",
    "([domain-name:value = 'c2.example'] FOLLOWEDBY [network-traffic:dst_port = 8443]) WITHIN 60 SECONDS",
    "[network-traffic:dst_port = 3389] REPEATS 2 TIMES WITHIN 10 SECONDS",
    "[file:name NOT = 'good.exe']",
    "[file:name NOT IN ('a', 'b')]",
    "[file:name NOT LIKE 'tmp%']",
    "[file:size NOT > 100]",
    "[EXISTS file:hashes.'SHA-256']",
    "[(file:name = 'a' OR file:name = 'b') AND file:size > 10]",
    "[x-acme-widget:serial_number = 'ABC-123']",
    "[process:pid > -1]",
    "[file:name = 'O\\'Brien.doc']",
    "[file:name = 'résumé.pdf']",
    "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Mozilla']",
    "[file:parent_directory_ref.path = 'C:\\\\temp']",
    "[ipv4-addr:value = '10.0.0.1'] AND [domain-name:value = 'b.example'] WITHIN 5 SECONDS",
    "[file:name = 'slow.exe'] WITHIN 2.5 SECONDS",
    "[file:hashes.'SHA-256' = '" + SHA256[1] + "'] START t'2021-01-01T00:00:00.000Z' STOP t'2021-02-01T00:00:00.000Z'",
    "((([file:name = 'deep.exe'])))",
    "[process:is_hidden = false]",
    "[windows-registry-key:values[0].data_type = 'REG_SZ']",
    "[file:name = '']",
    "[x509-certificate:validity_not_after < t'2016-01-01T00:00:00.000Z']",
    "[file:size = 42 AND (file:name = 'a' OR file:name = 'b' OR file:name = 'c')]",
    "[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.2'] FOLLOWEDBY "
    "[ipv4-addr:value = '192.0.2.3']",
    "[email-message:body_multipart[*].body_raw_ref.name LIKE '%.zip']",
    "[file:size > 1.5]",
    "[ipv4-addr:value == '198.51.100.2']",
    "[file:name <> 'good.exe']",
    "[file:name = 'a'] REPEATS 3 TIMES WITHIN 60 SECONDS START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'",
    "[url:value LIKE 'http://%.example/_x'] OR [domain-name:value MATCHES '\\\\.example$']",
    "[file:hashes.SSDEEP = '96:jC3yU1n8YWrqD:jCiU18YW']",
    "[file:size IN (1, 2.5, -3)]",
    "[network-traffic:start > t'2021-06-10T00:00:00.123456789Z']",
    "[user-account:account_type = 'unix' AND user-account:extensions.'unix-account-ext'.gid = 0]",
    "[file:name = 'a'] FOLLOWEDBY ([file:name = 'b'] OR [file:name = 'c'])",
    "[directory:path = 'C:\\\\Users']",
    "[email-message:is_multipart = true AND email-message:body_multipart[0].content_type = 'text/plain']",
]

NON_STIX_PATTERNS = [
    ("snort", "alert tcp any any -> 198.51.100.0/24 80 (msg:\"web\"; sid:1000001;)"),
    ("yara", "rule Example { strings: $a = \"evil\" condition: $a }"),
    ("sigma", "title: Suspicious\nlogsource:\n  product: windows\ndetection:\n  sel:\n"
              "    Image: '*\\\\evil.exe'\n  condition: sel"),
    ("pcre", "/ev(i|1)l\\.example/i"),
    ("suricata", "alert http any any -> any any (msg:\"x\"; content:\"evil\"; sid:2;)"),
    ("acme-dsl", "this is not [ a STIX pattern"),
]


def build_indicators():
    for i, pattern in enumerate(VALID_PATTERNS):
        digits = i % 10
        vf, vu = window(digits)
        props = {"pattern": pattern, "pattern_type": "stix", "valid_from": vf}
        if i % 3 == 0:
            props["valid_until"] = vu
        if i % 4 == 1:
            props["pattern_version"] = "2.1"
        if i % 5 == 2:
            props["indicator_types"] = [["malicious-activity", "anomalous-activity", "attribution",
                                         "compromised", "benign", "anonymization", "unknown"][i % 7]]
        if i % 6 == 3:
            props["name"] = f"Pattern #{i}"
        add_valid(rich(sdo("indicator", digits=3 + (i % 7), **props), 50 + i),
                  f"indicator pattern #{i}: {pattern}")
    for kind, pattern in NON_STIX_PATTERNS:
        vf, _ = window(3)
        add_valid(sdo("indicator", pattern=pattern, pattern_type=kind, valid_from=vf),
                  f"indicator with pattern_type {kind} (not parsed as STIX)")


def build_markings_and_misc():
    base = sdo("indicator", name="Granular", description="Describes it", pattern_type="stix",
               pattern="[url:value = 'https://evil.example/']",
               valid_from="2020-03-01T00:00:00.000Z",
               external_references=[ext_ref("acme", url="https://acme.example/1"),
                                    ext_ref("acme", external_id="A-2")],
               kill_chain_phases=[kcp("delivery", "lockheed-martin-cyber-kill-chain")])
    g = dict(base)
    g["granular_markings"] = [
        {"marking_ref": TLP1["amber"], "selectors": ["description", "name"]},
        {"marking_ref": TLP2["red"], "selectors": ["external_references.[1].external_id",
                                                   "kill_chain_phases.[0].phase_name"]},
        {"marking_ref": TLP2["clear"], "selectors": ["external_references.[0]"]}]
    add_valid(g, "granular markings with list-index selectors")
    g = dict(base)
    g["id"] = new_id("indicator")
    g["object_marking_refs"] = [TLP2["amber+strict"], TLP1["white"]]
    g["granular_markings"] = [{"marking_ref": TLP1["red"], "selectors": ["pattern"]}]
    add_valid(g, "object and granular markings together")
    g = sdo("report", name="Multilingual", description="English description", lang="en",
            published="2021-01-01T00:00:00Z", object_refs=[REFS["indicator"]],
            granular_markings=[{"lang": "fr", "selectors": ["name"]},
                               {"marking_ref": TLP2["green"], "selectors": ["description"]}])
    add_valid(g, "granular marking by language (lang instead of marking_ref)")
    add_valid(sdo("identity", name="Serbian", lang="sr-Latn-RS"),
              "lang with a script subtag (well-formed RFC 5646)")
    # timestamps with 0-9 fractional digits in properties without the millisecond rule
    for digits in range(10):
        fs, ls_ = window(digits, gap=1)
        add_valid(sdo("campaign", digits=max(3, digits), name=f"Fraction {digits}",
                      first_seen=fs, last_seen=ls_),
                  f"first_seen/last_seen with {digits} fractional digits")
    add_valid(sdo("indicator", pattern="[file:name = 'leap.exe']", pattern_type="stix",
                  valid_from="2020-02-29T23:59:59Z"), "leap day timestamp")
    add_valid(sdo("campaign", name="Leap second", first_seen="2016-12-31T23:59:60Z"),
              "leap second timestamp (RFC 3339 allows second 60)")
    # modified later than created, though the strings sort the other way
    add_valid({"type": "attack-pattern", "spec_version": "2.1", "id": new_id("attack-pattern"),
               "created": "2021-05-01T10:00:00.500Z", "modified": "2021-05-01T10:00:00.5001Z",
               "name": "Precision differs"},
              "modified is 100 microseconds after created, with more digits")
    add_valid(sdo("indicator", pattern="[file:name = 'window.exe']", pattern_type="stix",
                  valid_from="2020-01-01T00:00:00Z", valid_until="2020-01-01T00:00:00.5Z"),
              "valid_until half a second after valid_from, with more digits")
    add_valid(sdo("campaign", name="Same instant", first_seen="2020-06-01T00:00:00Z",
                  last_seen="2020-06-01T00:00:00.000Z"),
              "last_seen equal to first_seen, written with more digits")
    add_valid(sdo("attack-pattern", name="Long text " + ("lorem ipsum " * 200).strip()),
              "long name")
    add_valid(sdo("note", content="Emoji 🚨🔥 and RTL مرحبا and CJK 漢字 and combining é",
                  object_refs=[REFS["report"]]), "note with emoji, RTL and CJK text")
    add_valid(sdo("indicator", pattern="[file:name = 'x']", pattern_type="stix",
                  valid_from="2020-01-01T00:00:00Z", confidence=0), "confidence 0")
    add_valid(sdo("indicator", pattern="[file:name = 'y']", pattern_type="stix",
                  valid_from="2020-01-01T00:00:00Z", confidence=100), "confidence 100")
    add_valid(sdo("tool", name="hashed ref", external_references=[
        ext_ref("vendor", url="https://vendor.example/tool.zip",
                hashes={"SHA-256": SHA256[2], "MD5": MD5[0]})]),
              "external reference with hashes")
    add_valid(sdo("malware", is_family=False, malware_types=["x-acme-stealer"],
                  capabilities=["x-acme-steals-cookies"]),
              "malware with values outside the open vocabularies (warnings)")
    add_valid(sdo("attack-pattern", name="Minimal with all optional commons",
                  created_by_ref=IDENTITY_REF, revoked=True, labels=["a"], confidence=42,
                  lang="en", external_references=[ext_ref("x", description="d")],
                  object_marking_refs=[TLP2["clear"]],
                  granular_markings=[{"marking_ref": TLP2["red"], "selectors": ["labels.[0]"]}]),
              "every common property at once")


def build_marked_variants():
    """One more object of every SDO and SCO type, marked at the object and granular level,
    with selectors into its own properties."""
    sdo_props = {
        "attack-pattern": {"name": "Marked pattern", "aliases": ["MP"]},
        "campaign": {"name": "Marked campaign", "objective": "Exfiltrate"},
        "course-of-action": {"name": "Marked CoA", "description": "Do it"},
        "grouping": {"name": "Marked grouping", "context": "unspecified",
                     "object_refs": [REFS["indicator"]]},
        "identity": {"name": "Marked identity", "roles": ["analyst", "responder"]},
        "incident": {"name": "Marked incident", "description": "Incident text"},
        "indicator": {"name": "Marked indicator", "pattern": "[mutex:name = 'marked']",
                      "pattern_type": "stix", "valid_from": "2020-05-05T05:05:05Z"},
        "infrastructure": {"name": "Marked infrastructure", "aliases": ["I1", "I2"]},
        "intrusion-set": {"name": "Marked set", "goals": ["g1", "g2"]},
        "location": {"name": "Marked location", "region": "western-europe", "city": "Lyon"},
        "malware": {"name": "Marked malware", "is_family": True, "aliases": ["MM"]},
        "malware-analysis": {"product": "Marked product", "result": "benign",
                             "modules": ["m1", "m2"]},
        "note": {"content": "Marked note", "authors": ["A", "B"],
                 "object_refs": [REFS["report"]]},
        "observed-data": {"first_observed": "2020-01-01T00:00:00Z",
                          "last_observed": "2020-01-02T00:00:00Z", "number_observed": 7,
                          "object_refs": [REFS["url"], REFS["file"]]},
        "opinion": {"opinion": "neutral", "explanation": "Marked", "object_refs": [REFS["note"]]},
        "report": {"name": "Marked report", "published": "2020-02-02T02:02:02Z",
                   "object_refs": [REFS["identity"], REFS["location"]]},
        "threat-actor": {"name": "Marked actor", "goals": ["money"], "roles": ["sponsor"]},
        "tool": {"name": "Marked tool", "tool_version": "3.1"},
        "vulnerability": {"name": "Marked vulnerability", "description": "CVE pending"},
    }
    for i, (t, props) in enumerate(sdo_props.items()):
        keys = [k for k in props if k not in ("is_family", "number_observed")]
        selectors = [keys[0]]
        list_keys = [k for k in keys if isinstance(props[k], list)]
        if list_keys:
            selectors.append(f"{list_keys[0]}.[{len(props[list_keys[0]]) - 1}]")
        obj = sdo(t, digits=3 + i % 7, created_by_ref=IDENTITY_REF,
                  object_marking_refs=[list(TLP2.values())[i % 5]],
                  granular_markings=[{"marking_ref": list(TLP1.values())[i % 4],
                                      "selectors": selectors}], **props)
        add_valid(obj, f"{t} with object and granular markings ({', '.join(selectors)})")
    sco_props = {
        "artifact": {"payload_bin": "TWFya2Vk"},
        "autonomous-system": {"number": 65001, "name": "Marked AS"},
        "directory": {"path": "/srv/marked"},
        "domain-name": {"value": "marked-2.example"},
        "email-addr": {"value": "marked@example.com", "display_name": "Marked"},
        "email-message": {"is_multipart": False, "subject": "Marked", "body": "Body",
                          "to_refs": [REFS["email-addr"], REFS["email-addr"]]},
        "file": {"name": "marked.txt", "size": 12},
        "ipv4-addr": {"value": "192.0.2.44"},
        "ipv6-addr": {"value": "2001:db8::44"},
        "mac-addr": {"value": "0a:1b:2c:3d:4e:5f"},
        "mutex": {"name": "MarkedMutex"},
        "network-traffic": {"src_ref": REFS["ipv4-addr"], "protocols": ["ipv4", "udp"]},
        "process": {"pid": 4444, "cwd": "/"},
        "software": {"name": "Marked App", "version": "9"},
        "url": {"value": "https://marked.example/path?q=1#frag"},
        "user-account": {"user_id": "marked", "account_type": "ldap"},
        "windows-registry-key": {"key": "HKEY_USERS\\S-1-5-18\\Marked"},
        "x509-certificate": {"serial_number": "77:88", "subject": "CN=marked"},
    }
    for i, (t, props) in enumerate(sco_props.items()):
        keys = list(props)
        obj = sco(t, **props)
        obj["object_marking_refs"] = [list(TLP1.values())[i % 4]]
        obj["granular_markings"] = [{"marking_ref": list(TLP2.values())[i % 5],
                                     "selectors": [keys[-1]]}]
        if i % 2 == 0:
            obj["defanged"] = True
        add_valid(obj, f"{t} with markings, selector {keys[-1]}")


# --------------------------------------------------------------------------------------------
# Invalid objects: one broken MUST each

INVALID = []  # (rule, short desc, object, path, note)


def bad(rule, desc, obj, path, note):
    INVALID.append((rule, desc, obj, path, note))


def without(obj, *keys):
    o = copy.deepcopy(obj)
    for k in keys:
        o.pop(k, None)
    return o


def with_(obj, **props):
    o = copy.deepcopy(obj)
    o.update(props)
    return o


def set_in(obj, pointer, value):
    """Sets (or with value DELETE removes) the value at a JSON pointer."""
    o = copy.deepcopy(obj)
    parts = pointer.strip("/").split("/")
    cur = o
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur[p]
    last = parts[-1]
    if isinstance(cur, list):
        if value is DELETE:
            del cur[int(last)]
        else:
            cur[int(last)] = value
    elif value is DELETE:
        del cur[last]
    else:
        cur[last] = value
    return o


DELETE = object()

# Canonical valid bases, one per type, for the mutations.
BASE = {}


def make_bases():
    vf, vu = window(3)
    fs, ls_ = window(3)
    B = {
        "attack-pattern": sdo("attack-pattern", name="Phishing",
                              kill_chain_phases=[kcp("initial-access")],
                              external_references=[ext_ref("mitre-attack", external_id="T1566")]),
        "campaign": sdo("campaign", name="Operation X", first_seen=fs, last_seen=ls_),
        "course-of-action": sdo("course-of-action", name="Patch it"),
        "grouping": sdo("grouping", context="suspicious-activity",
                        object_refs=[REFS["indicator"], REFS["malware"]]),
        "identity": sdo("identity", name="ACME", identity_class="organization",
                        sectors=["technology"]),
        "incident": sdo("incident", name="Breach"),
        "indicator": sdo("indicator", name="Bad IP", indicator_types=["malicious-activity"],
                         pattern="[ipv4-addr:value = '198.51.100.1']", pattern_type="stix",
                         valid_from=vf, valid_until=vu),
        "infrastructure": sdo("infrastructure", name="C2", infrastructure_types=["botnet"],
                              first_seen=fs, last_seen=ls_),
        "intrusion-set": sdo("intrusion-set", name="APT-X", first_seen=fs, last_seen=ls_,
                             resource_level="government"),
        "location": sdo("location", name="Paris", latitude=48.8566, longitude=2.3522,
                        precision=100.0, country="fr"),
        "malware": sdo("malware", name="Evil", is_family=True, malware_types=["trojan"],
                       first_seen=fs, last_seen=ls_, operating_system_refs=[REFS["software"]],
                       sample_refs=[REFS["file"]]),
        "malware-analysis": sdo("malware-analysis", product="sandbox", result="malicious",
                                host_vm_ref=REFS["software"], operating_system_ref=REFS["software"],
                                installed_software_refs=[REFS["software"]],
                                analysis_sco_refs=[REFS["file"]], sample_ref=REFS["file"]),
        "note": sdo("note", content="Text", object_refs=[REFS["campaign"]]),
        "observed-data": sdo("observed-data", first_observed=fs, last_observed=ls_,
                             number_observed=3, object_refs=[REFS["ipv4-addr"]]),
        "opinion": sdo("opinion", opinion="agree", object_refs=[REFS["indicator"]]),
        "report": sdo("report", name="Report", published=vf, report_types=["threat-report"],
                      object_refs=[REFS["indicator"]]),
        "threat-actor": sdo("threat-actor", name="Evil Org", first_seen=fs, last_seen=ls_,
                            threat_actor_types=["criminal"]),
        "tool": sdo("tool", name="nmap", tool_types=["information-gathering"]),
        "vulnerability": sdo("vulnerability", name="CVE-2020-0001",
                             external_references=[ext_ref("cve", external_id="CVE-2020-0001")]),
        "relationship": sdo("relationship", relationship_type="uses",
                            source_ref=REFS["campaign"], target_ref=REFS["malware"],
                            start_time=vf, stop_time=vu),
        "sighting": sdo("sighting", sighting_of_ref=REFS["indicator"], count=3,
                        first_seen=fs, last_seen=ls_,
                        observed_data_refs=[REFS["observed-data"]],
                        where_sighted_refs=[REFS["identity"]]),
        "language-content": sdo("language-content", object_ref=REFS["campaign"],
                                contents={"fr": {"name": "Attaque"}}),
        "marking-definition": {"type": "marking-definition", "spec_version": "2.1",
                               "id": new_id("marking-definition"),
                               "created": "2020-01-01T00:00:00.000Z",
                               "definition_type": "statement",
                               "definition": {"statement": "Copyright ACME"}},
        "extension-definition": sdo("extension-definition", created_by_ref=IDENTITY_REF,
                                    name="Ext", schema="https://example.com/schema",
                                    version="1.0", extension_types=["property-extension"]),
        "artifact": sco("artifact", mime_type="application/zip", payload_bin="UEsDBA=="),
        "autonomous-system": sco("autonomous-system", number=64500, name="AS-X"),
        "directory": sco("directory", path="/tmp", contains_refs=[REFS["file"]]),
        "domain-name": sco("domain-name", value="example.net",
                           resolves_to_refs=[REFS["ipv4-addr"]]),
        "email-addr": sco("email-addr", value="a@example.net", belongs_to_ref=REFS["user-account"]),
        "email-message": sco("email-message", is_multipart=False, subject="Hi",
                             from_ref=REFS["email-addr"], to_refs=[REFS["email-addr"]],
                             raw_email_ref=REFS["artifact"], body="Hello",
                             additional_header_fields={"Comments": ["one", "two"]}),
        "file": sco("file", name="x.exe", hashes={"SHA-256": SHA256[0]}, size=100,
                    parent_directory_ref=REFS["directory"], content_ref=REFS["artifact"],
                    contains_refs=[REFS["file"]]),
        "ipv4-addr": sco("ipv4-addr", value="198.51.100.7", resolves_to_refs=[REFS["mac-addr"]],
                         belongs_to_refs=[REFS["autonomous-system"]]),
        "ipv6-addr": sco("ipv6-addr", value="2001:db8::7"),
        "mac-addr": sco("mac-addr", value="00:00:5e:00:53:01"),
        "mutex": sco("mutex", name="mtx"),
        "network-traffic": sco("network-traffic", src_ref=REFS["ipv4-addr"],
                               dst_ref=REFS["ipv4-addr"], src_port=1234, dst_port=80,
                               protocols=["tcp"], src_payload_ref=REFS["artifact"],
                               encapsulated_by_ref=REFS["network-traffic"]),
        "process": sco("process", pid=42, command_line="x", image_ref=REFS["file"],
                       parent_ref=REFS["process"], creator_user_ref=REFS["user-account"],
                       opened_connection_refs=[REFS["network-traffic"]],
                       environment_variables={"PATH": "/bin"}),
        "software": sco("software", name="App", vendor="ACME", version="1.0"),
        "url": sco("url", value="https://example.net/x"),
        "user-account": sco("user-account", user_id="1000", account_login="u",
                            account_type="unix"),
        "windows-registry-key": sco("windows-registry-key", key="HKEY_CURRENT_USER\\Software\\X",
                                    values=[{"name": "v", "data": "1", "data_type": "REG_SZ"}],
                                    creator_user_ref=REFS["user-account"]),
        "x509-certificate": sco("x509-certificate", serial_number="01:02", issuer="CN=CA"),
    }
    BASE.update(B)


def build_invalid():
    make_bases()
    B = BASE
    sdo_types = ["attack-pattern", "campaign", "course-of-action", "grouping", "identity",
                 "incident", "indicator", "infrastructure", "intrusion-set", "location",
                 "malware", "malware-analysis", "note", "observed-data", "opinion", "report",
                 "threat-actor", "tool", "vulnerability"]
    sco_types = ["artifact", "autonomous-system", "directory", "domain-name", "email-addr",
                 "email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex",
                 "network-traffic", "process", "software", "url", "user-account",
                 "windows-registry-key", "x509-certificate"]

    # ---- json / not-an-object
    bad("json", "trailing-comma", '{"type": "identity", "name": "x",}', None,
        "not well-formed JSON (RFC 8259): trailing comma")
    bad("json", "truncated", '{"type": "identity", "spec_version": "2.1", "id": "identity--',
        None, "not well-formed JSON: truncated")
    bad("not-an-object", "array", [B["identity"]], "", "a list is not a STIX object")
    bad("not-an-object", "string", "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff", "",
        "a string is not a STIX object")

    # ---- required properties: the common ones on a few types of each family
    for t in ["identity", "indicator", "relationship", "language-content"]:
        for k in ["created", "modified", "spec_version"]:
            bad("required-property", f"{t}-no-{k}", without(B[t], k), f"/{k}",
                f"STIX 2.1 §3.2: {k} is required on a {t}")
    for t in ["malware", "sighting", "url", "file", "marking-definition", "extension-definition"]:
        bad("required-property", f"{t}-no-id", without(B[t], "id"), "/id",
            "STIX 2.1 §3.2: id is required")
    for t in ["tool", "network-traffic", "opinion"]:
        bad("required-property", f"{t}-no-type", without(B[t], "type"), "/type",
            "STIX 2.1 §3.2: type is required")
    bad("required-property", "marking-definition-no-created",
        without(B["marking-definition"], "created"), "/created",
        "STIX 2.1 §7.2.1: created is required on a marking-definition")
    bad("required-property", "marking-definition-no-spec-version",
        without(B["marking-definition"], "spec_version"), "/spec_version",
        "STIX 2.1 §7.2.1: spec_version is required on a marking-definition")
    # ... and the specific ones of every type
    specific = {
        "attack-pattern": ["name"], "campaign": ["name"], "course-of-action": ["name"],
        "grouping": ["context", "object_refs"], "identity": ["name"], "incident": ["name"],
        "indicator": ["pattern", "pattern_type", "valid_from"], "infrastructure": ["name"],
        "intrusion-set": ["name"], "malware": ["is_family"], "malware-analysis": ["product"],
        "note": ["content", "object_refs"],
        "observed-data": ["first_observed", "last_observed", "number_observed"],
        "opinion": ["opinion", "object_refs"], "report": ["name", "published", "object_refs"],
        "threat-actor": ["name"], "tool": ["name"], "vulnerability": ["name"],
        "relationship": ["relationship_type", "source_ref", "target_ref"],
        "sighting": ["sighting_of_ref"], "language-content": ["object_ref", "contents"],
        "extension-definition": ["created_by_ref", "name", "schema", "version", "extension_types"],
        "autonomous-system": ["number"], "directory": ["path"], "domain-name": ["value"],
        "email-addr": ["value"], "email-message": ["is_multipart"], "ipv4-addr": ["value"],
        "ipv6-addr": ["value"], "mac-addr": ["value"], "mutex": ["name"],
        "network-traffic": ["protocols"], "software": ["name"], "url": ["value"],
    }
    for t, keys in specific.items():
        for k in keys:
            o = without(B[t], k)
            if t in ID_CONTRIBUTING:
                # the id follows the remaining ID contributing properties (UUIDv4 if none)
                o["id"] = sco_id(t, o)
            bad("required-property", f"{t}-no-{k.replace('_', '-')}", o, f"/{k}",
                f"{k} is required on every {t}")
    bad("required-property", "malware-family-without-name", without(B["malware"], "name"), "/name",
        "STIX 2.1 §4.11: name MUST be present when is_family is true")
    bad("required-property", "artifact-url-without-hashes",
        sco("artifact", url="https://example.net/a.bin"), "/hashes",
        "STIX 2.1 §6.1: hashes MUST be present when url is")
    bad("required-property", "kill-chain-phase-without-phase-name",
        set_in(B["attack-pattern"], "/kill_chain_phases/0/phase_name", DELETE),
        "/kill_chain_phases/0/phase_name", "STIX 2.1 §2.11: phase_name is required")
    bad("required-property", "kill-chain-phase-without-kill-chain-name",
        set_in(B["attack-pattern"], "/kill_chain_phases/0/kill_chain_name", DELETE),
        "/kill_chain_phases/0/kill_chain_name", "STIX 2.1 §2.11: kill_chain_name is required")
    bad("required-property", "external-reference-without-source-name",
        set_in(B["attack-pattern"], "/external_references/0/source_name", DELETE),
        "/external_references/0/source_name", "STIX 2.1 §2.5: source_name is required")
    bad("required-property", "granular-marking-without-selectors",
        with_(B["tool"], granular_markings=[{"marking_ref": TLP1["green"]}]),
        "/granular_markings/0/selectors", "STIX 2.1 §7.2.3: selectors is required")
    bad("required-property", "statement-marking-without-statement",
        with_(B["marking-definition"], definition={}), "/definition/statement",
        "STIX 2.1 §7.2.1.3: statement is required in a statement marking")
    bad("required-property", "archive-ext-without-contains-refs",
        with_(B["file"], extensions={"archive-ext": {"comment": "empty"}}),
        "/extensions/archive-ext/contains_refs", "STIX 2.1 §6.7.1: contains_refs is required")
    bad("required-property", "ntfs-ads-without-name",
        with_(B["file"], extensions={"ntfs-ext": {"alternate_data_streams": [{"size": 3}]}}),
        "/extensions/ntfs-ext/alternate_data_streams/0/name",
        "STIX 2.1 §6.7.2.1: an alternate data stream's name is required")
    bad("required-property", "pebinary-ext-without-pe-type",
        with_(B["file"], extensions={"windows-pebinary-ext": {"number_of_sections": 2}}),
        "/extensions/windows-pebinary-ext/pe_type", "STIX 2.1 §6.7.5: pe_type is required")
    bad("required-property", "http-request-ext-without-method",
        with_(B["network-traffic"], extensions={"http-request-ext": {"request_value": "/"}}),
        "/extensions/http-request-ext/request_method",
        "STIX 2.1 §6.12.1: request_method is required")
    bad("required-property", "http-request-ext-without-value",
        with_(B["network-traffic"], extensions={"http-request-ext": {"request_method": "get"}}),
        "/extensions/http-request-ext/request_value",
        "STIX 2.1 §6.12.1: request_value is required")
    bad("required-property", "icmp-ext-without-code",
        with_(B["network-traffic"], extensions={"icmp-ext": {"icmp_type_hex": "08"}}),
        "/extensions/icmp-ext/icmp_code_hex", "STIX 2.1 §6.12.2: icmp_code_hex is required")
    bad("required-property", "socket-ext-without-address-family",
        with_(B["network-traffic"], extensions={"socket-ext": {"is_listening": True}}),
        "/extensions/socket-ext/address_family", "STIX 2.1 §6.12.3: address_family is required")
    bad("required-property", "statement-marking-without-definition",
        {"type": "marking-definition", "spec_version": "2.1", "id": new_id("marking-definition"),
         "created": "2020-01-01T00:00:00.000Z", "definition_type": "statement"},
        "/definition",
        "STIX 2.1 §7.2.1: definition MUST be present when extensions is not")

    # ---- property types
    pt = [
        ("identity", "/name", 123, "name-number", "name is a string"),
        ("attack-pattern", "/aliases", "Phish", "aliases-string", "aliases is a list of strings"),
        ("attack-pattern", "/kill_chain_phases", kcp("x"), "kill-chain-phases-object",
         "kill_chain_phases is a list"),
        ("tool", "/labels", "red", "labels-string", "labels is a list of strings"),
        ("tool", "/revoked", "true", "revoked-string", "revoked is a boolean"),
        ("campaign", "/confidence", "50", "confidence-string", "confidence is an integer"),
        ("campaign", "/confidence", 50.5, "confidence-float", "confidence is an integer"),
        ("incident", "/created", 1577836800, "created-number", "created is a timestamp string"),
        ("grouping", "/object_refs", REFS["indicator"], "object-refs-string",
         "object_refs is a list"),
        ("malware", "/is_family", "yes", "is-family-string", "is_family is a boolean"),
        ("observed-data", "/number_observed", 1.5, "number-observed-float",
         "number_observed is an integer"),
        ("sighting", "/count", "3", "count-string", "count is an integer"),
        ("indicator", "/pattern", ["[file:name = 'a']"], "pattern-list", "pattern is a string"),
        ("indicator", "/indicator_types", "malicious-activity", "indicator-types-string",
         "indicator_types is a list"),
        ("vulnerability", "/external_references", ext_ref("cve", external_id="CVE-2020-0001"),
         "external-references-object", "external_references is a list"),
        ("identity", "/description", None, "description-null", "description is a string, not null"),
        ("location", "/latitude", "48.8", "latitude-string", "latitude is a number"),
        ("report", "/published", True, "published-boolean", "published is a timestamp"),
        ("relationship", "/source_ref", {"id": REFS["campaign"]}, "source-ref-object",
         "source_ref is an identifier string"),
        ("language-content", "/contents", ["fr"], "contents-list", "contents is a dictionary"),
        ("file", "/size", "100", "size-string", "size is an integer"),
        ("ipv4-addr", "/value", 3325256711, "value-number", "value is a string"),
        ("email-message", "/is_multipart", "false", "is-multipart-string",
         "is_multipart is a boolean"),
        ("process", "/pid", "42", "pid-string", "pid is an integer"),
        ("url", "/defanged", "no", "defanged-string", "defanged is a boolean"),
        ("network-traffic", "/protocols", "tcp", "protocols-string", "protocols is a list"),
        ("autonomous-system", "/number", "64500", "number-string", "number is an integer"),
        ("software", "/languages", "eng", "languages-string", "languages is a list"),
        ("user-account", "/is_privileged", 1, "is-privileged-number", "is_privileged is a boolean"),
        ("x509-certificate", "/subject_public_key_exponent", "65537", "exponent-string",
         "subject_public_key_exponent is an integer"),
        ("windows-registry-key", "/values", {"name": "v"}, "values-object", "values is a list"),
        ("extension-definition", "/extension_types", "new-sdo", "extension-types-string",
         "extension_types is a list"),
        ("marking-definition", "/definition", "Copyright ACME", "definition-string",
         "definition is an object"),
    ]
    for t, ptr, value, desc, note in pt:
        bad("property-type", f"{t}-{desc}", set_in(B[t], ptr, value), ptr, note)
    bad("property-type", "note-authors-number", set_in(B["note"], "/authors", ["Ann", 2]),
        "/authors/1", "authors is a list of strings")
    bad("property-type", "unix-account-ext-gid-string",
        with_(B["user-account"], extensions={"unix-account-ext": {"gid": "1000"}}),
        "/extensions/unix-account-ext/gid", "STIX 2.1 §6.16.1: gid is an integer")
    bad("property-type", "raster-image-height-string",
        with_(B["file"], extensions={"raster-image-ext": {"image_height": "768"}}),
        "/extensions/raster-image-ext/image_height", "STIX 2.1 §6.7.4: image_height is an integer")
    bad("property-type", "pdf-ext-is-optimized-string",
        with_(B["file"], extensions={"pdf-ext": {"is_optimized": "no"}}),
        "/extensions/pdf-ext/is_optimized", "STIX 2.1 §6.7.3: is_optimized is a boolean")
    bad("property-type", "windows-process-ext-aslr-string",
        with_(B["process"], extensions={"windows-process-ext": {"aslr_enabled": "yes"}}),
        "/extensions/windows-process-ext/aslr_enabled", "STIX 2.1 §6.13.1: aslr_enabled is a boolean")
    bad("property-type", "extensions-list",
        with_(B["file"], extensions=[{"archive-ext": {"contains_refs": [REFS["file"]]}}]),
        "/extensions", "extensions is a dictionary")

    # ---- property names
    bad("property-name", "two-characters", with_(B["identity"], ab="x"), "/ab",
        "STIX 2.1 §3.1: property names have at least 3 characters")
    bad("property-name", "hyphen", with_(B["campaign"], **{"x-acme-score": 3}), "/x-acme-score",
        "STIX 2.1 §3.1: property names are letters, digits and underscore")
    bad("property-name", "space", with_(B["tool"], **{"x acme": 3}), "/x acme",
        "property names may not contain spaces")
    bad("property-name", "too-long", with_(B["note"], **{"x_" + "a" * 249: 1}), "/x_" + "a" * 249,
        "property names are at most 250 characters")
    bad("property-name", "non-ascii", with_(B["malware"], **{"x_größe": 1}), "/x_größe",
        "property names are ASCII")
    bad("property-name", "dot", with_(B["url"], **{"x.acme": 1}), "/x.acme",
        "property names may not contain dots")
    bad("property-name", "sco-one-character", with_(B["mutex"], z=1), "/z",
        "property names have at least 3 characters")
    bad("property-name", "leading-underscore", with_(B["identity"], _acme="x"), "/_acme",
        "STIX 2.1 §3.1: property names MUST begin with an alpha character")

    # ---- property not allowed
    md = B["marking-definition"]
    bad("property-not-allowed", "marking-definition-modified",
        with_(md, modified="2020-01-02T00:00:00.000Z"), "/modified",
        "STIX 2.1 §7.2.1: marking definitions are not versioned and have no modified")
    bad("property-not-allowed", "course-of-action-action",
        with_(B["course-of-action"], action="block"), "/action",
        "STIX 2.1 §4.3: action is reserved on course-of-action and MUST NOT be used")

    # ---- type names
    for desc, tname in [("uppercase", "X-Acme-Thing"), ("two-characters", "xa"),
                        ("double-hyphen", "x--acme"), ("underscore", "x_acme_thing"),
                        ("leading-digit", "1x-acme"), ("too-long", "x-" + "a" * 249)]:
        # The id repeats the type, so it is malformed too; the type name is the fault.
        o = {"type": tname, "spec_version": "2.1", "id": f"{tname}--{new_uuid4()}",
             "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
             "name": "custom"}
        bad("type-name", desc, o, "/type", "STIX 2.1 §2.9/§3.1: type names are 3-250 of a-z, "
            "0-9 and single hyphens, starting with a letter")

    # ---- identifiers
    ident = B["identity"]
    for desc, value in [
        ("no-separator", "identity-f431f809-377b-45e0-aa1c-6a4751cae5ff"),
        ("short-uuid", "identity--1234"),
        ("uuid-without-hyphens", "identity--f431f809377b45e0aa1c6a4751cae5ff"),
        ("uuid-version-0", "identity--f431f809-377b-05e0-aa1c-6a4751cae5ff"),
        ("uuid-variant-ncs", "identity--f431f809-377b-45e0-0a1c-6a4751cae5ff"),
        ("non-hex-uuid", "identity--g431f809-377b-45e0-aa1c-6a4751cae5ff"),
        ("nil-uuid", "identity--00000000-0000-0000-0000-000000000000"),
        ("empty-uuid", "identity--"),
    ]:
        bad("identifier-format", f"id-{desc}", with_(ident, id=value), "/id",
            "STIX 2.1 §2.9: an identifier is type--UUID (RFC 4122 variant, version 1-5)")
    bad("identifier-format", "created-by-ref-short", with_(B["tool"], created_by_ref="identity--1"),
        "/created_by_ref", "STIX 2.1 §2.9: references are identifiers")
    bad("identifier-format", "object-ref-not-id",
        set_in(B["report"], "/object_refs/0", "indicator"), "/object_refs/0",
        "STIX 2.1 §2.9: references are identifiers")
    bad("identifier-format", "sco-ref-not-id",
        with_(B["email-addr"], belongs_to_ref="jdoe"), "/belongs_to_ref",
        "STIX 2.1 §2.9: references are identifiers")
    bad("identifier-format", "sco-id-bad", with_(B["mutex"], id="mutex--xyz"), "/id",
        "STIX 2.1 §2.9: an identifier is type--UUID")
    for t, other in [("indicator", "malware"), ("campaign", "campaigns"), ("url", "domain-name"),
                     ("relationship", "sighting"), ("marking-definition", "identity")]:
        o = copy.deepcopy(B[t])
        o["id"] = other + "--" + o["id"].split("--")[1]
        bad("identifier-type", f"{t}-id-says-{other}", o, "/id",
            "STIX 2.1 §2.9: the type part of id is the object's type")

    # ---- reference types
    rt = [
        ("indicator", "/created_by_ref", REFS["indicator"], "created-by-ref-indicator",
         "STIX 2.1 §3.2: created_by_ref points at an identity"),
        ("file", "/object_marking_refs", [REFS["identity"]], "object-marking-refs-identity",
         "STIX 2.1 §7.2.2: object_marking_refs point at marking-definitions"),
        ("malware", "/object_marking_refs", [TLP1["green"], REFS["identity"]],
         "object-marking-refs-second-identity",
         "STIX 2.1 §7.2.2: object_marking_refs point at marking-definitions"),
        ("relationship", "/source_ref", REFS["marking-definition"],
         "relationship-source-marking-definition",
         "STIX 2.1 §5.1: source_ref points at an SDO or SCO"),
        ("relationship", "/target_ref", REFS["relationship"], "relationship-target-relationship",
         "STIX 2.1 §5.1: target_ref points at an SDO or SCO"),
        ("relationship", "/target_ref", REFS["language-content"],
         "relationship-target-language-content",
         "STIX 2.1 §5.1: target_ref points at an SDO or SCO"),
        ("sighting", "/sighting_of_ref", REFS["relationship"], "sighting-of-relationship",
         "STIX 2.1 §5.2: sighting_of_ref points at an SDO"),
        ("sighting", "/observed_data_refs", [REFS["indicator"]], "observed-data-refs-indicator",
         "STIX 2.1 §5.2: observed_data_refs point at observed-data"),
        ("sighting", "/where_sighted_refs", [REFS["identity"], REFS["malware"]],
         "where-sighted-refs-malware",
         "STIX 2.1 §5.2: where_sighted_refs point at identity or location"),
        ("malware", "/operating_system_refs", [REFS["file"]], "operating-system-refs-file",
         "STIX 2.1 §4.11: operating_system_refs point at software"),
        ("malware", "/sample_refs", [REFS["url"]], "sample-refs-url",
         "STIX 2.1 §4.11: sample_refs point at file or artifact"),
        ("malware-analysis", "/host_vm_ref", REFS["file"], "host-vm-ref-file",
         "STIX 2.1 §4.12: host_vm_ref points at software"),
        ("malware-analysis", "/operating_system_ref", REFS["identity"],
         "operating-system-ref-identity",
         "STIX 2.1 §4.12: operating_system_ref points at software"),
        ("malware-analysis", "/installed_software_refs", [REFS["file"]],
         "installed-software-refs-file",
         "STIX 2.1 §4.12: installed_software_refs point at software"),
        ("malware-analysis", "/analysis_sco_refs", [REFS["indicator"]],
         "analysis-sco-refs-indicator", "STIX 2.1 §4.12: analysis_sco_refs point at SCOs"),
        ("malware-analysis", "/sample_ref", REFS["url"], "sample-ref-url",
         "STIX 2.1 §4.12: sample_ref points at file, network-traffic or artifact"),
        ("extension-definition", "/created_by_ref", REFS["tool"], "created-by-ref-tool",
         "STIX 2.1 §7.3: created_by_ref points at an identity"),
        ("directory", "/contains_refs", [REFS["url"]], "directory-contains-url",
         "STIX 2.1 §6.3: contains_refs point at file or directory"),
        ("domain-name", "/resolves_to_refs", [REFS["url"]], "domain-resolves-to-url",
         "STIX 2.1 §6.4: resolves_to_refs point at ipv4-addr, ipv6-addr or domain-name"),
        ("email-addr", "/belongs_to_ref", REFS["email-addr"], "belongs-to-email-addr",
         "STIX 2.1 §6.5: belongs_to_ref points at user-account"),
        ("email-message", "/from_ref", REFS["user-account"], "from-ref-user-account",
         "STIX 2.1 §6.6: from_ref points at email-addr"),
        ("email-message", "/to_refs", [REFS["url"]], "to-refs-url",
         "STIX 2.1 §6.6: to_refs point at email-addr"),
        ("email-message", "/raw_email_ref", REFS["file"], "raw-email-ref-file",
         "STIX 2.1 §6.6: raw_email_ref points at artifact"),
        ("file", "/parent_directory_ref", REFS["file"], "parent-directory-file",
         "STIX 2.1 §6.7: parent_directory_ref points at directory"),
        ("file", "/content_ref", REFS["file"], "content-ref-file",
         "STIX 2.1 §6.7: content_ref points at artifact"),
        ("file", "/contains_refs", [REFS["indicator"]], "contains-refs-indicator",
         "STIX 2.1 §6.7: contains_refs point at SCOs"),
        ("ipv4-addr", "/resolves_to_refs", [REFS["ipv4-addr"]], "resolves-to-ipv4",
         "STIX 2.1 §6.8: resolves_to_refs point at mac-addr"),
        ("ipv4-addr", "/belongs_to_refs", [REFS["url"]], "belongs-to-url",
         "STIX 2.1 §6.8: belongs_to_refs point at autonomous-system"),
        ("network-traffic", "/src_ref", REFS["url"], "src-ref-url",
         "STIX 2.1 §6.12: src_ref points at ipv4-addr, ipv6-addr, mac-addr or domain-name"),
        ("network-traffic", "/src_payload_ref", REFS["file"], "src-payload-ref-file",
         "STIX 2.1 §6.12: src_payload_ref points at artifact"),
        ("network-traffic", "/encapsulated_by_ref", REFS["ipv4-addr"], "encapsulated-by-ipv4",
         "STIX 2.1 §6.12: encapsulated_by_ref points at network-traffic"),
        ("process", "/image_ref", REFS["artifact"], "image-ref-artifact",
         "STIX 2.1 §6.13: image_ref points at file"),
        ("process", "/parent_ref", REFS["file"], "parent-ref-file",
         "STIX 2.1 §6.13: parent_ref points at process"),
        ("process", "/creator_user_ref", REFS["email-addr"], "creator-user-email-addr",
         "STIX 2.1 §6.13: creator_user_ref points at user-account"),
        ("process", "/opened_connection_refs", [REFS["url"]], "opened-connection-url",
         "STIX 2.1 §6.13: opened_connection_refs point at network-traffic"),
        ("windows-registry-key", "/creator_user_ref", REFS["identity"], "creator-user-identity",
         "STIX 2.1 §6.17: creator_user_ref points at user-account"),
    ]
    for t, ptr, value, desc, note in rt:
        path = ptr + ("/" + str(len(value) - 1) if isinstance(value, list) else "")
        bad("reference-type", desc, set_in(B[t], ptr, value), path, note)
    bad("reference-type", "granular-marking-ref-identity",
        with_(B["tool"], granular_markings=[{"marking_ref": REFS["identity"],
                                              "selectors": ["name"]}]),
        "/granular_markings/0/marking_ref",
        "STIX 2.1 §7.2.3: marking_ref points at a marking-definition")
    bad("reference-type", "archive-ext-contains-url",
        with_(B["file"], extensions={"archive-ext": {"contains_refs": [REFS["url"]]}}),
        "/extensions/archive-ext/contains_refs/0",
        "STIX 2.1 §6.7.1: contains_refs point at file or directory")
    bad("reference-type", "http-body-ref-file",
        with_(B["network-traffic"], extensions={"http-request-ext": {
            "request_method": "get", "request_value": "/", "message_body_data_ref": REFS["file"]}}),
        "/extensions/http-request-ext/message_body_data_ref",
        "STIX 2.1 §6.12.1: message_body_data_ref points at artifact")
    bad("reference-type", "service-dll-refs-artifact",
        with_(B["process"], extensions={"windows-service-ext": {
            "service_name": "s", "service_dll_refs": [REFS["artifact"]]}}),
        "/extensions/windows-service-ext/service_dll_refs/0",
        "STIX 2.1 §6.13.2: service_dll_refs point at file")
    bad("reference-type", "mime-part-body-raw-ref-url",
        sco("email-message", is_multipart=True,
            body_multipart=[{"content_type": "text/plain", "body": "x"},
                            {"content_type": "image/png", "body_raw_ref": REFS["url"]}]),
        "/body_multipart/1/body_raw_ref",
        "STIX 2.1 §6.6.1: body_raw_ref points at artifact or file")

    # ---- timestamps
    for desc, value in [
        ("offset", "2020-01-01T10:00:00.000+01:00"),
        ("lowercase-z", "2020-01-01T10:00:00.000z"),
        ("no-digits-after-dot", "2020-01-01T10:00:00.Z"),
        ("february-30", "2020-02-30T10:00:00.000Z"),
        ("february-29-non-leap", "2019-02-29T10:00:00.000Z"),
        ("month-13", "2020-13-01T10:00:00.000Z"),
        ("hour-24", "2020-01-01T24:00:00.000Z"),
        ("minute-60", "2020-01-01T10:60:00.000Z"),
        ("no-zone", "2020-01-01T10:00:00.000"),
        ("space-separator", "2020-01-01 10:00:00.000Z"),
        ("date-only", "2020-01-01"),
        ("two-digit-year", "20-01-01T10:00:00.000Z"),
        ("comma-fraction", "2020-01-01T10:00:00,000Z"),
        ("april-31", "2020-04-31T10:00:00.000Z"),
    ]:
        bad("timestamp-format", f"valid-from-{desc}", with_(B["indicator"], valid_from=value,
                                                            valid_until="2030-01-01T00:00:00Z"),
            "/valid_from", f"STIX 2.1 §2.16: {value!r} is not an RFC 3339 UTC timestamp with Z")
    bad("timestamp-format", "created-offset",
        with_(B["tool"], created="2020-01-01T00:00:00.000+00:00"), "/created",
        "STIX 2.1 §2.16: timestamps use Z, not an offset")
    bad("timestamp-format", "sighting-first-seen-lowercase-t",
        with_(B["sighting"], first_seen="2020-01-01t00:00:00Z", last_seen="2030-01-01T00:00:00Z"),
        "/first_seen", "STIX 2.1 §2.16: the date/time separator is T")
    bad("timestamp-format", "file-ctime-feb-30", with_(B["file"], ctime="2021-02-30T00:00:00Z"),
        "/ctime", "STIX 2.1 §2.16: February has no 30th")
    bad("timestamp-format", "network-traffic-start-offset",
        with_(B["network-traffic"], start="2021-01-01T00:00:00-05:00"), "/start",
        "STIX 2.1 §2.16: timestamps use Z")
    bad("timestamp-format", "user-account-created-no-z",
        with_(B["user-account"], account_created="2016-01-20T12:31:12"), "/account_created",
        "STIX 2.1 §2.16: timestamps end in Z")
    bad("timestamp-format", "pebinary-time-date-stamp-date-only",
        with_(B["file"], extensions={"windows-pebinary-ext": {"pe_type": "exe",
                                                               "time_date_stamp": "2016-01-22"}}),
        "/extensions/windows-pebinary-ext/time_date_stamp", "STIX 2.1 §2.16: a full timestamp")
    bad("timestamp-format", "language-content-object-modified-offset",
        with_(B["language-content"], object_modified="2020-01-01T00:00:00.000+02:00"),
        "/object_modified", "STIX 2.1 §2.16: timestamps use Z")
    for t, k, v in [("identity", "created", "2020-01-01T00:00:00Z"),
                    ("identity", "modified", "2030-01-01T00:00:00.12Z"),
                    ("relationship", "created", "2019-05-05T05:05:05.1Z"),
                    ("marking-definition", "created", "2020-01-01T00:00:00Z"),
                    ("extension-definition", "modified", "2030-01-01T00:00:00Z")]:
        o = with_(B[t], **{k: v})
        # keep modified >= created so that precision is the only fault
        if k == "created" and "modified" in o:
            o["modified"] = "2030-01-01T00:00:00.000Z"
        if k == "modified":
            o["created"] = "2010-01-01T00:00:00.000Z"
        bad("timestamp-precision", f"{t}-{k}-{len(v.split('.')[1]) - 1 if '.' in v else 0}-digits",
            o, f"/{k}",
            f"STIX 2.1 §3.2: {k} is precise to at least the millisecond")

    # ---- modified before created
    for t in ["identity", "relationship", "language-content", "extension-definition", "malware"]:
        o = with_(B[t], created="2021-06-10T12:00:00.000Z", modified="2021-06-10T11:59:59.999Z")
        bad("modified-before-created", t, o, "/modified", "STIX 2.1 §3.2: modified ≥ created")
    bad("modified-before-created", "different-precision",
        with_(B["tool"], created="2021-06-10T12:00:00.0001Z", modified="2021-06-10T12:00:00.000Z"),
        "/modified", "modified is 100 microseconds before created")

    # ---- time order
    bad("time-order", "indicator-valid-until-before-valid-from",
        with_(B["indicator"], valid_from="2021-01-01T00:00:00Z", valid_until="2020-12-31T23:59:59Z"),
        None, "STIX 2.1 §4.7: valid_until MUST be greater than valid_from")
    bad("time-order", "indicator-valid-until-equals-valid-from",
        with_(B["indicator"], valid_from="2021-01-01T00:00:00Z", valid_until="2021-01-01T00:00:00Z"),
        None, "STIX 2.1 §4.7: valid_until MUST be greater than valid_from (equal is not)")
    bad("time-order", "indicator-valid-until-equals-valid-from-different-digits",
        with_(B["indicator"], valid_from="2021-01-01T00:00:00Z",
              valid_until="2021-01-01T00:00:00.000Z"),
        None, "STIX 2.1 §4.7: the same instant written with more digits is not later")
    for t, a, b in [("campaign", "first_seen", "last_seen"),
                    ("infrastructure", "first_seen", "last_seen"),
                    ("intrusion-set", "first_seen", "last_seen"),
                    ("malware", "first_seen", "last_seen"),
                    ("threat-actor", "first_seen", "last_seen"),
                    ("sighting", "first_seen", "last_seen"),
                    ("observed-data", "first_observed", "last_observed")]:
        bad("time-order", f"{t}-{b.replace('_', '-')}-before-{a.replace('_', '-')}",
            with_(B[t], **{a: "2021-03-01T00:00:00Z", b: "2021-02-28T23:59:59Z"}), None,
            f"STIX 2.1: {b} MUST be greater than or equal to {a}")
    bad("time-order", "relationship-stop-before-start",
        with_(B["relationship"], start_time="2021-03-01T00:00:00Z",
              stop_time="2021-02-01T00:00:00Z"), None,
        "STIX 2.1 §5.1: stop_time MUST be later than start_time")
    bad("time-order", "relationship-stop-equals-start",
        with_(B["relationship"], start_time="2021-03-01T00:00:00Z",
              stop_time="2021-03-01T00:00:00Z"), None,
        "STIX 2.1 §5.1: stop_time MUST be later than start_time (equal is not)")
    bad("time-order", "network-traffic-end-before-start",
        with_(B["network-traffic"], start="2021-03-01T00:00:00Z", end="2021-02-01T00:00:00Z"),
        None, "STIX 2.1 §6.12: end MUST be greater than or equal to start")
    bad("time-order", "campaign-last-seen-earlier-fewer-digits",
        with_(B["campaign"], first_seen="2021-03-01T00:00:00.5Z", last_seen="2021-03-01T00:00:00Z"),
        None, "last_seen is half a second before first_seen, written with fewer digits")

    # ---- spec_version
    for t, v in [("identity", "2.0"), ("indicator", "2.2"), ("relationship", "2"),
                 ("marking-definition", "2.0"), ("url", "2.0"), ("file", "3.0"),
                 ("language-content", "2.1.0")]:
        bad("spec-version", f"{t}-{v.replace('.', '-')}", with_(B[t], spec_version=v),
            "/spec_version", "STIX 2.1 §3.2: spec_version MUST be 2.1")
    bad("property-type", "spec-version-number", with_(B["tool"], spec_version=2.1), "/spec_version",
        "STIX 2.1 §3.2: spec_version is a string")

    # ---- closed vocabularies and enumerations
    cv = [
        ("opinion", "/opinion", "mostly-agree", "opinion", "opinion-enum"),
        ("extension-definition", "/extension_types", ["new-sdo", "new-thing"],
         "extension-types", "extension-type-enum"),
        ("artifact", "/encryption_algorithm", "ROT13", "encryption-algorithm",
         "encryption-algorithm-enum"),
    ]
    for t, ptr, value, desc, enum in cv:
        path = ptr + ("/1" if isinstance(value, list) else "")
        bad("closed-vocabulary", f"{t}-{desc}", set_in(B[t], ptr, value), path,
            f"STIX 2.1 §10: {enum} is closed")
    ext_cv = [
        ("network-traffic", "socket-ext", {"address_family": "AF_CARRIER_PIGEON"},
         "address_family", "network-socket-address-family-enum"),
        ("network-traffic", "socket-ext", {"address_family": "AF_INET", "socket_type": "SOCK_SLOW"},
         "socket_type", "network-socket-type-enum"),
        ("process", "windows-process-ext", {"integrity_level": "extreme"}, "integrity_level",
         "windows-integrity-level-enum"),
        ("process", "windows-service-ext", {"service_name": "s", "start_type": "SERVICE_SOMETIMES"},
         "start_type", "windows-service-start-type-enum"),
        ("process", "windows-service-ext", {"service_name": "s", "service_type": "SERVICE_TOASTER"},
         "service_type", "windows-service-type-enum"),
        ("process", "windows-service-ext", {"service_name": "s", "service_status": "SERVICE_ASLEEP"},
         "service_status", "windows-service-status-enum"),
    ]
    for t, ext, content, key, enum in ext_cv:
        bad("closed-vocabulary", f"{ext}-{key.replace('_', '-')}",
            with_(B[t], extensions={ext: content}), f"/extensions/{ext}/{key}",
            f"STIX 2.1 §10: {enum} is closed")
    bad("closed-vocabulary", "registry-value-data-type",
        set_in(B["windows-registry-key"], "/values/0/data_type", "REG_STRING"),
        "/values/0/data_type", "STIX 2.1 §10: windows-registry-datatype-enum is closed")
    bad("marking", "tlp1-unknown-level",
        {"type": "marking-definition", "spec_version": "2.1", "id": new_id("marking-definition"),
         "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:PURPLE",
         "definition": {"tlp": "purple"}}, None,
        "STIX 2.1 §7.2.1.4: the TLP levels are white, green, amber and red")
    bad("closed-vocabulary", "extension-type-in-extensions",
        with_(B["campaign"], extensions={EXT_PROPERTY: {"extension_type": "new-thing", "rank": 1}}),
        f"/extensions/{EXT_PROPERTY}/extension_type",
        "STIX 2.1 §7.3: extension_type is one of extension-type-enum")

    # ---- ranges
    rg = [
        ("campaign", "/confidence", 101, "confidence-101", "confidence is 0-100"),
        ("campaign", "/confidence", -1, "confidence-minus-1", "confidence is 0-100"),
        ("observed-data", "/number_observed", 0, "number-observed-0", "number_observed is 1-999,999,999"),
        ("observed-data", "/number_observed", 1000000000, "number-observed-1e9",
         "number_observed is 1-999,999,999"),
        ("sighting", "/count", -1, "count-minus-1", "count is 0-999,999,999"),
        ("sighting", "/count", 1000000000, "count-1e9", "count is 0-999,999,999"),
        ("location", "/latitude", 90.5, "latitude-90-5", "latitude is -90..90"),
        ("location", "/longitude", -180.1, "longitude-minus-180-1", "longitude is -180..180"),
        ("network-traffic", "/src_port", 65536, "src-port-65536", "ports are 0-65535"),
        ("network-traffic", "/dst_port", -1, "dst-port-minus-1", "ports are 0-65535"),
        ("file", "/size", -1, "file-size-minus-1", "size is non-negative"),
    ]
    for t, ptr, value, desc, note in rg:
        bad("range", desc, set_in(B[t], ptr, value), ptr, f"STIX 2.1: {note}")
    bad("range", "pebinary-number-of-sections-negative",
        with_(B["file"], extensions={"windows-pebinary-ext": {"pe_type": "exe",
                                                               "number_of_sections": -1}}),
        "/extensions/windows-pebinary-ext/number_of_sections",
        "STIX 2.1 §6.7.5: number_of_sections is non-negative")
    bad("range", "ntfs-ads-size-negative",
        with_(B["file"], extensions={"ntfs-ext": {"alternate_data_streams": [{"name": "s",
                                                                               "size": -5}]}}),
        "/extensions/ntfs-ext/alternate_data_streams/0/size", "STIX 2.1 §6.7.2.1: size ≥ 0")

    # ---- empty lists and dictionaries
    el = [
        ("tool", "/labels"), ("attack-pattern", "/aliases"), ("attack-pattern", "/kill_chain_phases"),
        ("vulnerability", "/external_references"), ("identity", "/object_marking_refs"),
        ("identity", "/granular_markings"), ("grouping", "/object_refs"), ("report", "/object_refs"),
        ("identity", "/sectors"), ("malware", "/sample_refs"), ("sighting", "/where_sighted_refs"),
        ("network-traffic", "/protocols"), ("directory", "/contains_refs"),
        ("ipv4-addr", "/resolves_to_refs"), ("extension-definition", "/extension_types"),
    ]
    for t, ptr in el:
        bad("empty-list", f"{t}-{ptr[1:].replace('_', '-')}", set_in(B[t], ptr, []), ptr,
            "STIX 2.1 §2.12: an empty list MUST NOT be used")
    bad("empty-list", "granular-marking-selectors",
        with_(B["tool"], granular_markings=[{"marking_ref": TLP1["green"], "selectors": []}]),
        "/granular_markings/0/selectors", "STIX 2.1 §7.2.3: selectors is a non-empty list")
    bad("empty-list", "archive-ext-contains-refs",
        with_(B["file"], extensions={"archive-ext": {"contains_refs": []}}),
        "/extensions/archive-ext/contains_refs", "STIX 2.1 §2.12: no empty lists")

    bad("empty-string", "lang-empty", with_(B["tool"], lang=""), "/lang",
        "STIX 2.1 §3.2: lang is an RFC 5646 language code, never empty")

    # ---- external references
    bad("external-reference", "only-source-name",
        set_in(B["attack-pattern"], "/external_references/0", {"source_name": "acme"}),
        "/external_references/0",
        "STIX 2.1 §2.5: at least one of description, url or external_id")
    bad("external-reference", "second-entry-only-source-name",
        with_(B["tool"], external_references=[ext_ref("a", url="https://a.example/"),
                                              {"source_name": "b"}]),
        "/external_references/1", "STIX 2.1 §2.5: at least one of description, url, external_id")
    bad("external-reference", "only-source-name-and-hashes",
        with_(B["tool"], external_references=[{"source_name": "b",
                                               "hashes": {"SHA-256": SHA256[0]}}]),
        "/external_references/0", "STIX 2.1 §2.5: hashes alone do not make a reference")
    bad("external-reference", "cve-bad-external-id",
        set_in(B["vulnerability"], "/external_references/0/external_id", "2020-0001"),
        None, "STIX 2.1 §2.5.2: a cve external_id is CVE-YYYY-NNNN")
    bad("external-reference", "capec-bad-external-id",
        with_(B["attack-pattern"], external_references=[ext_ref("capec", external_id="163")]),
        None, "STIX 2.1 §2.5.1: a capec external_id is CAPEC-<id>")
    bad("value-format", "external-reference-url-not-url",
        with_(B["tool"], external_references=[ext_ref("a", url="not a url")]),
        "/external_references/0/url", "STIX 2.1 §2.5: url is a URL (RFC 3986)")

    # ---- hashes
    hs = [
        ("md5-too-short", {"MD5": MD5[0][:30]}, "MD5"),
        ("md5-too-long", {"MD5": MD5[0] + "00"}, "MD5"),
        ("sha-1-wrong-length", {"SHA-1": SHA1[0][:39]}, "SHA-1"),
        ("sha-256-non-hex", {"SHA-256": "z" * 64}, "SHA-256"),
        ("sha-512-wrong-length", {"SHA-512": SHA512[:100]}, "SHA-512"),
        ("sha3-256-wrong-length", {"SHA3-256": SHA256[0][:60]}, "SHA3-256"),
        ("key-too-short", {"SHA-256": SHA256[0], "ab": "1234"}, "ab"),
        ("key-with-space", {"SHA 256": SHA256[0]}, "SHA 256"),
    ]
    for desc, hashes, key in hs:
        bad("hashes", f"file-{desc}", with_(B["file"], hashes=hashes), f"/hashes/{key}",
            "STIX 2.1 §2.7: hashes keys and digests")
    bad("hashes", "artifact-md5-wrong-length",
        sco("artifact", payload_bin="AAAA", hashes={"MD5": "abc"}), "/hashes/MD5",
        "STIX 2.1 §2.7: an MD5 digest is 32 hex digits")
    bad("hashes", "external-reference-md5-wrong-length",
        with_(B["tool"], external_references=[ext_ref("a", url="https://a.example/",
                                                      hashes={"MD5": "1234"})]),
        "/external_references/0/hashes/MD5", "STIX 2.1 §2.7: an MD5 digest is 32 hex digits")
    bad("hashes", "external-reference-custom-algorithm",
        with_(B["tool"], external_references=[ext_ref("a", url="https://a.example/",
                                                      hashes={"x_acme_hash": "1234"})]),
        "/external_references/0/hashes/x_acme_hash",
        "STIX 2.1 §2.5: external reference hash keys MUST come from hash-algorithm-ov")
    bad("hashes", "empty-hashes", with_(B["file"], hashes={}), "/hashes",
        "STIX 2.1 §2.3: an empty dictionary MUST NOT be used")
    bad("hashes", "ntfs-ads-md5-short",
        with_(B["file"], extensions={"ntfs-ext": {"alternate_data_streams": [
            {"name": "s", "hashes": {"MD5": "00"}}]}}),
        "/extensions/ntfs-ext/alternate_data_streams/0/hashes/MD5",
        "STIX 2.1 §2.7: an MD5 digest is 32 hex digits")
    bad("hashes", "x509-sha1-short", with_(B["x509-certificate"], hashes={"SHA-1": "abcd"}),
        "/hashes/SHA-1", "STIX 2.1 §2.7: a SHA-1 digest is 40 hex digits")

    # ---- dictionary keys
    dk = [
        ("email-message", "/additional_header_fields", {"X Comments": ["a", "b"]}, "X Comments"),
        ("email-message", "/additional_header_fields", {"Comments:": ["a", "b"]}, "Comments:"),
        ("process", "/environment_variables", {"PATH.x": "/bin"}, "PATH.x"),
        ("process", "/environment_variables", {"k" * 251: "v"}, "k" * 251),
        ("network-traffic", "/ipfix", {"minimum IpTotalLength": 32}, "minimum IpTotalLength"),
    ]
    for i, (t, ptr, value, key) in enumerate(dk):
        bad("dictionary-key", f"{t}-{ptr[1:].replace('_', '-')}-{i}", set_in(B[t], ptr, value),
            f"{ptr}/{key}", "STIX 2.1 §2.3: dictionary keys are 1-250 of a-z, A-Z, 0-9, - and _")
    bad("dictionary-key", "empty-key",
        with_(B["process"], environment_variables={"": "x", "PATH": "/bin"}),
        "/environment_variables/", "STIX 2.1 §2.3: dictionary keys have at least one character")
    bad("dictionary-key", "raster-image-exif-tags",
        with_(B["file"], extensions={"raster-image-ext": {"exif_tags": {"Make Model": "x"}}}),
        "/extensions/raster-image-ext/exif_tags/Make Model", "STIX 2.1 §2.3: dictionary key characters")
    bad("dictionary-key", "pdf-document-info-dict",
        with_(B["file"], extensions={"pdf-ext": {"document_info_dict": {"Title!": "x"}}}),
        "/extensions/pdf-ext/document_info_dict/Title!", "STIX 2.1 §2.3: dictionary key characters")
    bad("dictionary-key", "http-request-header",
        with_(B["network-traffic"], extensions={"http-request-ext": {
            "request_method": "get", "request_value": "/", "request_header": {"User Agent": ["x"]}}}),
        "/extensions/http-request-ext/request_header/User Agent",
        "STIX 2.1 §2.3: dictionary key characters")
    bad("empty-list", "empty-dictionary-additional-header-fields",
        with_(B["email-message"], additional_header_fields={}), "/additional_header_fields",
        "STIX 2.1 §2.3: an empty dictionary MUST NOT be used")

    # ---- markings
    mk_base = B["indicator"]
    for desc, selector in [("missing-property", "labels"),
                           ("index-out-of-range", "kill_chain_phases.[0]"),
                           ("nested-missing", "name.first"),
                           ("index-on-string", "name.[0]"),
                           ("bad-index-syntax", "indicator_types.0"),
                           ("trailing-dot", "name."),
                           ("empty-selector", "")]:
        bad("marking", f"selector-{desc}",
            with_(mk_base, granular_markings=[{"marking_ref": TLP1["green"],
                                               "selectors": ["pattern", selector]}]),
            "/granular_markings/0/selectors/1",
            "STIX 2.1 §7.2.3.1: selectors MUST resolve to a property of the object")
    bad("marking", "marking-ref-and-lang",
        with_(mk_base, granular_markings=[{"marking_ref": TLP1["green"], "lang": "en",
                                           "selectors": ["name"]}]),
        "/granular_markings/0", "STIX 2.1 §7.2.3: marking_ref or lang, not both")
    bad("marking", "neither-marking-ref-nor-lang",
        with_(mk_base, granular_markings=[{"selectors": ["name"]}]),
        "/granular_markings/0", "STIX 2.1 §7.2.3: one of marking_ref and lang")
    bad("marking", "sco-selector-missing",
        with_(B["domain-name"], granular_markings=[{"marking_ref": TLP1["red"],
                                                    "selectors": ["display_name"]}]),
        "/granular_markings/0/selectors/0", "STIX 2.1 §7.2.3.1: selectors MUST resolve")
    o = copy.deepcopy(B["marking-definition"])
    o["object_marking_refs"] = [o["id"]]
    bad("marking", "marking-definition-marks-itself", o, None,
        "STIX 2.1 §7.2.1: a marking-definition MUST NOT mark itself (circular reference)")
    o = copy.deepcopy(B["marking-definition"])
    o["granular_markings"] = [{"marking_ref": o["id"], "selectors": ["definition"]}]
    bad("marking", "marking-definition-granular-self", o, None,
        "STIX 2.1 §7.2.1: a marking-definition MUST NOT mark itself (circular reference)")
    bad("marking", "tlp1-wrong-id",
        {"type": "marking-definition", "spec_version": "2.1", "id": new_id("marking-definition"),
         "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:GREEN",
         "definition": {"tlp": "green"}}, None,
        "STIX 2.1 §7.2.1.4: TLP markings MUST use the fixed objects (here: not the TLP:GREEN id)")
    bad("marking", "tlp1-wrong-created",
        {"type": "marking-definition", "spec_version": "2.1", "id": TLP1["red"],
         "created": "2018-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:RED",
         "definition": {"tlp": "red"}}, None,
        "STIX 2.1 §7.2.1.4: TLP markings MUST use the fixed objects (here: another created)")
    bad("marking", "tlp1-level-does-not-match-id",
        {"type": "marking-definition", "spec_version": "2.1", "id": TLP1["white"],
         "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:WHITE",
         "definition": {"tlp": "red"}}, None,
        "STIX 2.1 §7.2.1.4: the TLP:WHITE object says white")

    # ---- patterns
    bad_patterns = [
        ("no-brackets", "ipv4-addr:value = '198.51.100.1'"),
        ("unclosed-bracket", "[ipv4-addr:value = '198.51.100.1'"),
        ("unquoted-string", "[ipv4-addr:value = 198.51.100.1]"),
        ("double-quotes", "[ipv4-addr:value = \"198.51.100.1\"]"),
        ("no-colon", "[ipv4-addr value = '198.51.100.1']"),
        ("empty-brackets", "[]"),
        ("empty-pattern", ""),
        ("trailing-and", "[file:name = 'a' AND]"),
        ("trailing-observation-and", "[file:name = 'a'] AND"),
        ("within-without-number", "[file:name = 'a'] WITHIN SECONDS"),
        ("within-negative", "[file:name = 'a'] WITHIN -5 SECONDS"),
        ("repeats-float", "[file:name = 'a'] REPEATS 2.5 TIMES"),
        ("start-without-stop", "[file:name = 'a'] START t'2020-01-01T00:00:00Z'"),
        ("start-stop-plain-strings",
         "[file:name = 'a'] START '2020-01-01T00:00:00Z' STOP '2021-01-01T00:00:00Z'"),
        ("timestamp-literal-month-13", "[file:ctime = t'2020-13-01T00:00:00Z']"),
        ("followedby-inside-brackets", "[file:name = 'a' FOLLOWEDBY file:name = 'b']"),
        ("like-number", "[file:name LIKE 42]"),
        ("in-without-set", "[file:name IN 'a']"),
        ("set-trailing-comma", "[file:name IN ('a', )]"),
        ("unterminated-string", "[file:name = 'unterminated]"),
        ("broken-quoted-path", "[file:hashes.'SHA-256 = 'abc']"),
        ("lowercase-and", "[file:name = 'a'] and [file:name = 'b']"),
        ("missing-observation-operator", "[file:name = 'a'] [file:name = 'b']"),
        ("mismatched-closer", "[file:name = 'a')"),
        ("unbalanced-paren", "([file:name = 'a']"),
        ("bad-binary-literal", "[artifact:payload_bin = b'not base64!']"),
        ("bad-hex-literal", "[file:magic_number_hex = h'xyz']"),
        ("repeats-without-count", "[file:name = 'a'] REPEATS TIMES"),
        ("within-minutes", "[file:name = 'a'] WITHIN 5 MINUTES"),
        ("unknown-operator", "[file:name ~= 'a']"),
        ("missing-object-type", "[:name = 'a']"),
        ("missing-property", "[file: = 'a']"),
        ("trailing-or", "[file:name = 'a'] OR"),
        ("trailing-followedby", "[file:name = 'a'] FOLLOWEDBY"),
        ("matches-without-value", "[file:name MATCHES]"),
        ("comparison-without-value", "[file:size > ]"),
        ("stop-without-timestamp", "[file:name = 'a'] START t'2020-01-01T00:00:00Z' STOP"),
        ("double-not", "[file:name NOT NOT = 'a']"),
        ("exists-without-path", "[EXISTS]"),
        ("timestamp-literal-offset",
         "[file:name = 'a'] START t'2020-01-01T00:00:00+01:00' STOP t'2020-02-01T00:00:00Z'"),
        ("hex-integer", "[file:size = 0x10]"),
        ("plus-sign", "[process:pid = +8]"),
        ("nested-brackets", "[[file:name = 'a']]"),
        ("uppercase-object-type", "[File:name = 'a']"),
        ("one-letter-object-type", "[x:name = 'a']"),
        ("set-of-sets", "[file:name IN (('a'))]"),
        ("greater-than-boolean", "[file:size > true]"),
    ]
    for desc, p in bad_patterns:
        bad("pattern", desc, with_(B["indicator"], pattern=p), "/pattern",
            f"STIX 2.1 §9: {p!r} is not a valid STIX pattern")

    # ---- property combinations
    comb = [
        ("network-traffic-without-src-and-dst", without(B["network-traffic"], "src_ref", "dst_ref"),
         "STIX 2.1 §6.12: src_ref or dst_ref MUST be present"),
        ("network-traffic-active-with-end",
         with_(B["network-traffic"], is_active=True, start="2021-01-01T00:00:00Z",
               end="2021-01-01T01:00:00Z"),
         "STIX 2.1 §6.12: end MUST NOT be present when is_active is true"),
        ("artifact-payload-and-url",
         with_(B["artifact"], url="https://example.net/a.zip", hashes={"SHA-256": SHA256[0]}),
         "STIX 2.1 §6.1: payload_bin and url MUST NOT both be present"),
        ("artifact-neither-payload-nor-url", sco("artifact", mime_type="application/zip"),
         "STIX 2.1 §6.1: one of payload_bin or url MUST be present"),
        ("artifact-key-without-algorithm", with_(B["artifact"], decryption_key="secret"),
         "STIX 2.1 §6.1: decryption_key MUST NOT be present when encryption_algorithm is absent"),
        ("file-without-hashes-or-name", without(B["file"], "hashes", "name"),
         "STIX 2.1 §6.7: a file MUST have hashes or name"),
        ("location-without-region-country-or-coordinates",
         sdo("location", name="Nowhere", city="Springfield"),
         "STIX 2.1 §4.10: one of region, country, or latitude and longitude"),
        ("location-latitude-without-longitude", without(B["location"], "longitude"),
         "STIX 2.1 §4.10: latitude requires longitude"),
        ("location-longitude-without-latitude", without(B["location"], "latitude"),
         "STIX 2.1 §4.10: longitude requires latitude"),
        ("location-precision-without-coordinates",
         sdo("location", country="de", precision=10.0),
         "STIX 2.1 §4.10: precision requires latitude and longitude"),
        ("observed-data-objects-and-object-refs",
         with_(B["observed-data"], objects={"0": sco("ipv4-addr", value="198.51.100.1")}),
         "STIX 2.1 §4.14: objects and object_refs MUST NOT both be present"),
        ("observed-data-neither-objects-nor-object-refs", without(B["observed-data"], "object_refs"),
         "STIX 2.1 §4.14: one of objects or object_refs MUST be present"),
        ("malware-analysis-without-result-or-sco-refs",
         without(B["malware-analysis"], "result", "analysis_sco_refs"),
         "STIX 2.1 §4.12: result or analysis_sco_refs MUST be present"),
        ("email-single-part-with-body-multipart",
         with_(B["email-message"], body_multipart=[{"body": "x"}]),
         "STIX 2.1 §6.6: body_multipart MUST NOT be present when is_multipart is false"),
        ("email-multipart-with-body",
         sco("email-message", is_multipart=True, body="x",
             body_multipart=[{"content_type": "text/plain", "body": "y"}]),
         "STIX 2.1 §6.6: body MUST NOT be present when is_multipart is true"),
        ("mime-part-without-body-or-raw-ref",
         sco("email-message", is_multipart=True, body_multipart=[{"content_type": "text/plain"}]),
         "STIX 2.1 §6.6.1: a MIME part has body or body_raw_ref"),
        ("mime-part-with-body-and-raw-ref",
         sco("email-message", is_multipart=True,
             body_multipart=[{"body": "x", "body_raw_ref": REFS["artifact"]}]),
         "STIX 2.1 §6.6.1: a MIME part has body or body_raw_ref, not both"),
        ("tcp-ext-without-flags",
         with_(B["network-traffic"], extensions={"tcp-ext": {"x_acme_note": "no flags"}}),
         "STIX 2.1 §6.12.4: tcp-ext has at least one of its properties"),
        ("x509-without-properties", sco("x509-certificate", random_id=True),
         "STIX 2.1 §6.18: an X.509 certificate has at least one of its properties"),
        ("process-without-properties", sco("process"),
         "STIX 2.1 §6.13: a process has at least one property besides type and id"),
    ]
    for desc, o, note in comb:
        bad("property-combination", desc, o, None, note)

    # ---- value formats
    vfm = [
        ("artifact", "/payload_bin", "not base64!", "payload-bin-not-base64",
         "STIX 2.1 §2.1: binary is base64 (RFC 4648)"),
        ("file", "/magic_number_hex", "MZ", "magic-number-not-hex", "STIX 2.1 §2.8: hex"),
        ("file", "/magic_number_hex", "4D5", "magic-number-odd-length", "STIX 2.1 §2.8: hex is octets"),
        ("mac-addr", "/value", "00-00-5E-00-53-01", "mac-addr-dashes",
         "STIX 2.1 §6.10: lowercase colon-delimited with two digits per octet"),
        ("mac-addr", "/value", "00:00:5E:00:53:01", "mac-addr-uppercase",
         "STIX 2.1 §6.10: MUST be lowercase"),
        ("ipv4-addr", "/value", "256.1.1.1", "ipv4-octet-256", "STIX 2.1 §6.8: an IPv4 address"),
        ("ipv4-addr", "/value", "198.51.100.0/33", "ipv4-prefix-33", "STIX 2.1 §6.8: CIDR prefix ≤ 32"),
        ("ipv6-addr", "/value", "2001:db8:::1", "ipv6-triple-colon", "STIX 2.1 §6.9: an IPv6 address"),
        ("email-addr", "/value", "John Smith <jsmith@example.com>", "email-addr-display-name",
         "STIX 2.1 §6.5: value is an addr-spec and MUST NOT include the display name"),
        ("url", "/value", "example.net/x", "url-without-scheme", "STIX 2.1 §6.15: RFC 3986 URL"),
        ("software", "/cpe", "microsoft word 2000", "software-cpe",
         "STIX 2.1 §6.14: cpe is a CPE 2.3 entry"),
        ("software", "/languages", ["en_US"], "software-languages",
         "STIX 2.1 §6.14: languages are ISO 639-2 codes"),
        ("directory", "/path_enc", "not a charset!", "directory-path-enc",
         "STIX 2.1 §6.3: path_enc is an IANA character set name"),
        ("file", "/name_enc", "not a charset!", "file-name-enc",
         "STIX 2.1 §6.7: name_enc is an IANA character set name"),
        ("identity", "/lang", "not a language!", "lang-not-rfc5646",
         "STIX 2.1 §3.2: lang is an RFC 5646 language code"),
        ("windows-registry-key", "/key", "HKLM\\Software\\X", "registry-key-abbreviated-hive",
         "STIX 2.1 §6.17: key starts with a full hive name; abbreviations MUST NOT be used"),
        ("relationship", "/relationship_type", "Uses It", "relationship-type-characters",
         "STIX 2.1 §5.1: relationship_type is a-z, 0-9 and hyphens"),
    ]
    for t, ptr, value, desc, note in vfm:
        path = ptr + ("/0" if isinstance(value, list) else "")
        bad("value-format", desc, set_in(B[t], ptr, value), path, note)
    bad("value-format", "icmp-type-not-hex",
        with_(B["network-traffic"], extensions={"icmp-ext": {"icmp_type_hex": "zz",
                                                             "icmp_code_hex": "00"}}),
        "/extensions/icmp-ext/icmp_type_hex", "STIX 2.1 §2.8: hex")
    bad("value-format", "tcp-flags-not-hex",
        with_(B["network-traffic"], extensions={"tcp-ext": {"src_flags_hex": "SYN"}}),
        "/extensions/tcp-ext/src_flags_hex", "STIX 2.1 §2.8: hex")
    bad("value-format", "language-content-key-not-language",
        with_(B["language-content"], contents={"klingon-ish": {"name": "x"}}),
        "/contents/klingon-ish", "STIX 2.1 §7.1: contents keys are RFC 5646 language codes")
    bad("property-name", "language-content-property-name",
        with_(B["language-content"], contents={"fr": {"n": "x"}}),
        "/contents/fr/n", "STIX 2.1 §7.1: the keys of a translation are property names")

    # ---- extensions
    bad("extension", "empty-extensions", with_(B["campaign"], extensions={}), "/extensions",
        "STIX 2.1 §2.3: an empty dictionary MUST NOT be used")
    bad("extension", "empty-predefined-extension",
        with_(B["file"], extensions={"pdf-ext": {}}), "/extensions/pdf-ext",
        "STIX 2.1 §6.7.3: an extension has at least one property")
    bad("identifier-format", "extension-definition-key-bad-uuid",
        with_(B["campaign"], extensions={"extension-definition--1234": {
            "extension_type": "property-extension", "rank": 1}}),
        "/extensions/extension-definition--1234",
        "STIX 2.1 §7.3: extension keys are extension-definition identifiers")
    bad("property-type", "extension-not-object",
        with_(B["campaign"], extensions={EXT_PROPERTY: "rank=1"}), f"/extensions/{EXT_PROPERTY}",
        "STIX 2.1 §7.3: an extension is an object")
    bad("property-combination", "pebinary-ext-only-pe-type",
        with_(B["file"], extensions={"windows-pebinary-ext": {"pe_type": "exe"}}), None,
        "STIX 2.1 §6.7.5: at least one property other than pe_type")
    bad("extension", "empty-windows-process-ext",
        with_(B["process"], extensions={"windows-process-ext": {}}),
        "/extensions/windows-process-ext",
        "STIX 2.1 §6.13.1: an extension has at least one property")
    bad("required-property", "marking-definition-no-definition-no-extensions",
        {"type": "marking-definition", "spec_version": "2.1", "id": new_id("marking-definition"),
         "created": "2020-01-01T00:00:00.000Z", "name": "Nothing"}, "/definition",
        "STIX 2.1 §7.2.1: definition MUST be present when extensions is not")


# --------------------------------------------------------------------------------------------
# Where the OASIS validator is wrong or only warns. Each entry is checked by
# scripts/oracle_verdicts.py: a case whose OASIS verdict differs from its expected verdict must
# be listed here, and a listed case must really differ.

W_PROCESS_EXT = ("OASIS's windows-process-ext schema requires one of the extension's properties "
                 "but leaves integrity_level out of that list; the specification counts every "
                 "property of the extension.")
W_GRANULAR_LANG = ("OASIS's granular-marking schema requires marking_ref; the specification "
                   "allows lang in its place (exactly one of the two).")
W_LANG_LIST = ("OASIS accepts only the tags on a fixed list of about 230; sr-Latn-RS is a "
               "well-formed RFC 5646 tag (language-script-region).")
W_LEAP = ("OASIS parses timestamps with dateutil, which refuses second 60; RFC 3339 allows a "
          "leap second, and 2016-12-31T23:59:60Z was one.")
W_STRCMP = ("OASIS compares the timestamp strings, not the instants; with different numbers of "
            "fractional digits the string order is not the time order.")
W_EXTDEF = "OASIS's extension-definition schema does not require created_by_ref."
W_PROPNAME = ("OASIS's property-name regex ^([a-z][a-z0-9_]{2,249})|id$ is anchored only at the "
              "start, so any name that begins with three valid characters passes.")
W_MARKING_MODIFIED = ("OASIS only warns (custom property); marking definitions are never "
                      "versioned and have no modified property.")
W_REF_ID_ONLY = "OASIS checks that the value is an identifier, not the type it points at."
W_SCO_REF = ("OASIS's schemas type the references of a standalone SCO as plain strings; it "
             "checks their target types only inside the deprecated observed-data objects.")
W_MARKING_PRECISION = ("OASIS's marking-definition schema takes any timestamp for created; the "
                       "millisecond minimum of created applies to every object that has one.")
W_SPEC_20 = ("OASIS's schemas accept spec_version \"2.0\" even when validating as STIX 2.1; an "
             "object of this specification has spec_version \"2.1\".")
W_SELECTOR_STRING = ("OASIS resolves [0] with Python indexing, which also indexes into a string; "
                     "a list-index selector selects an item of a list.")
W_MARKING_REF_AND_LANG = ("OASIS requires marking_ref but does not forbid lang beside it; each "
                          "MUST NOT be present when the other is.")
W_DICT_EMPTY_KEY = ("OASIS's dictionary key pattern ^[a-zA-Z0-9_-]{0,250}$ admits the empty "
                    "key; dictionary keys have at least one character.")
W_MIME = ("OASIS fails an artifact whose mime_type is not in its copy of the IANA registry; the "
          "specification says the value SHOULD come from the registry whenever feasible, which "
          "makes an unregistered type a warning at most.")
W_PLUS = ("The OASIS grammar accepts a plus sign before a number; the specification says a "
          "positive integer MUST be written as-is, omitting the plus sign.")

# valid cases, by note
VALID_GAPS = {
    "process with both Windows extensions": (W_PROCESS_EXT, "STIX 2.1 §6.13.1"),
    "granular marking by language (lang instead of marking_ref)":
        (W_GRANULAR_LANG, "STIX 2.1 §7.2.3"),
    "lang with a script subtag (well-formed RFC 5646)":
        (W_LANG_LIST, "STIX 2.1 §3.2 (lang); RFC 5646 §2.1"),
    "artifact with a well-formed media type that IANA has not registered":
        (W_MIME, "STIX 2.1 §6.1 (mime_type)"),
    "leap second timestamp (RFC 3339 allows second 60)":
        (W_LEAP, "STIX 2.1 §2.16; RFC 3339 §5.6, §5.7"),
    "modified is 100 microseconds after created, with more digits":
        (W_STRCMP, "STIX 2.1 §3.2 (modified)"),
    "valid_until half a second after valid_from, with more digits":
        (W_STRCMP, "STIX 2.1 §4.7 (valid_until)"),
    "last_seen equal to first_seen, written with more digits":
        (W_STRCMP, "STIX 2.1 §4.2 (last_seen)"),
}

# invalid cases, by "<rule>-<desc>"; spec None takes the section from the case's note
INVALID_GAPS = {
    "required-property-extension-definition-no-created-by-ref": (W_EXTDEF, "STIX 2.1 §7.3"),
    "property-name-too-long": (W_PROPNAME, "STIX 2.1 §3.1"),
    "property-name-non-ascii": (W_PROPNAME, "STIX 2.1 §3.1"),
    "property-not-allowed-marking-definition-modified": (W_MARKING_MODIFIED, "STIX 2.1 §7.2.1"),
    "identifier-format-sco-ref-not-id": (W_SCO_REF, "STIX 2.1 §6.5 (belongs_to_ref), §2.9"),
    "reference-type-created-by-ref-indicator": (W_REF_ID_ONLY, None),
    "reference-type-object-marking-refs-identity": (W_REF_ID_ONLY, None),
    "reference-type-object-marking-refs-second-identity": (W_REF_ID_ONLY, None),
    "reference-type-sample-refs-url": (W_REF_ID_ONLY, None),
    "reference-type-analysis-sco-refs-indicator": (W_REF_ID_ONLY, None),
    "reference-type-created-by-ref-tool": (W_REF_ID_ONLY, None),
    "timestamp-precision-marking-definition-created-0-digits":
        (W_MARKING_PRECISION, "STIX 2.1 §3.2 (created), §7.2.1"),
    "modified-before-created-different-precision": (W_STRCMP, "STIX 2.1 §3.2 (modified)"),
    "time-order-campaign-last-seen-earlier-fewer-digits": (W_STRCMP, "STIX 2.1 §4.2 (last_seen)"),
    "spec-version-identity-2-0": (W_SPEC_20, "STIX 2.1 §3.2 (spec_version)"),
    "spec-version-marking-definition-2-0": (W_SPEC_20, "STIX 2.1 §3.2 (spec_version)"),
    "spec-version-url-2-0": (W_SPEC_20, "STIX 2.1 §3.2 (spec_version)"),
    "marking-selector-index-on-string": (W_SELECTOR_STRING, "STIX 2.1 §7.2.3.1"),
    "marking-marking-ref-and-lang": (W_MARKING_REF_AND_LANG, "STIX 2.1 §7.2.3"),
    "dictionary-key-empty-key": (W_DICT_EMPTY_KEY, "STIX 2.1 §2.3"),
    "pattern-plus-sign": (W_PLUS, "STIX 2.1 §9.2 (integer constants)"),
}
for _desc in ["directory-contains-url", "domain-resolves-to-url", "belongs-to-email-addr",
              "from-ref-user-account", "to-refs-url", "raw-email-ref-file",
              "parent-directory-file", "content-ref-file", "contains-refs-indicator",
              "resolves-to-ipv4", "belongs-to-url", "src-ref-url", "src-payload-ref-file",
              "encapsulated-by-ipv4", "image-ref-artifact", "parent-ref-file",
              "creator-user-email-addr", "opened-connection-url", "creator-user-identity",
              "archive-ext-contains-url", "http-body-ref-file", "service-dll-refs-artifact",
              "mime-part-body-raw-ref-url"]:
    INVALID_GAPS[f"reference-type-{_desc}"] = (W_SCO_REF, None)

# Cases where two rule codes name the same fault equally well; either is accepted.
ALSO = {
    "empty-string-lang-empty": ["value-format"],
    "value-format-language-content-key-not-language": ["dictionary-key"],
}


def spec_of(note):
    """The "STIX 2.1 §x.y" a case's note starts with."""
    head = note.split(":", 1)[0]
    return head if head.startswith("STIX 2.1 §") else None


# --------------------------------------------------------------------------------------------
# Output


def slug(text):
    out = []
    for c in text.lower():
        out.append(c if c.isalnum() and c.isascii() else "-")
    s = "".join(out)
    while "--" in s:
        s = s.replace("--", "-")
    return s.strip("-")[:60]



def write_disagreements(gaps):
    """disagreements.json for the test and disagreements.md for people, grouped by reason."""
    machine = {f: {k: v for k, v in g.items() if k != "case"} for f, g in gaps.items()}
    (OUT / "disagreements.json").write_text(
        json.dumps(machine, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        "# Where Accord and the OASIS validator disagree",
        "",
        "Generated by `scripts/make_corpus.py`; `scripts/oracle_verdicts.py` checks that this",
        "list is exactly the set of corpus files on which `stix2-validator` 3.2.0 (with",
        "`stix2-patterns` 2.1.2) gives another verdict than the specification. Each entry is a",
        "case where the OASIS tool is wrong or only warns where STIX 2.1 says MUST; the test",
        "`stix-model/tests/corpus_verdicts.rs` holds Accord to the verdict given here.",
        "",
    ]
    by_why = {}
    for f, g in gaps.items():
        by_why.setdefault(g["why"], []).append((f, g))
    for why, entries in by_why.items():
        lines.append(f"## {why}")
        lines.append("")
        for f, g in entries:
            case = g["case"]
            if spec_of(case):
                case = case.split(":", 1)[1].strip()
            lines.append(f"- `{f}`: Accord {g['accord']}, OASIS {g['oasis']}. {case} "
                         f"({g['spec']})")
        lines.append("")
    (OUT / "disagreements.md").write_text("\n".join(lines), encoding="utf-8")


def main():
    build_sdos()
    build_sros()
    build_meta()
    build_custom()
    build_scos()
    build_sco_extensions()
    build_indicators()
    build_markings_and_misc()
    build_marked_variants()
    build_invalid()

    if OUT.exists():
        for sub in ("valid", "invalid"):
            if (OUT / sub).exists():
                shutil.rmtree(OUT / sub)
    (OUT / "valid").mkdir(parents=True, exist_ok=True)
    (OUT / "invalid").mkdir(parents=True, exist_ok=True)

    cases = {}
    gaps = {}
    for n, (label, obj, note) in enumerate(VALID, start=1):
        name = f"valid/{n:03d}-{label}.json"
        if note in VALID_GAPS:
            why, spec = VALID_GAPS.pop(note)
            gaps[name] = {"accord": "valid", "oasis": "invalid", "why": why, "spec": spec,
                          "case": note}
        (OUT / name).write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n",
                                encoding="utf-8")
        cases[name] = {"expect": "valid", "rule": None, "path": None, "note": note}
    seen = set()
    for n, (rule, desc, obj, path, note) in enumerate(INVALID, start=1):
        key = f"{rule}-{slug(desc)}"
        name = f"invalid/{n:03d}-{key}.json"
        assert name not in seen, name
        if key in INVALID_GAPS:
            why, spec = INVALID_GAPS.pop(key)
            spec = spec or spec_of(note)
            assert spec, key
            gaps[name] = {"accord": "invalid", "oasis": "valid", "why": why, "spec": spec,
                          "case": note}
        seen.add(name)
        if rule in ("json",):
            (OUT / name).write_text(obj + "\n", encoding="utf-8")
        else:
            (OUT / name).write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
        cases[name] = {"expect": "invalid", "rule": rule, "path": path, "note": note}
        if key in ALSO:
            cases[name]["also"] = ALSO[key]
    (OUT / "cases.json").write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    assert not VALID_GAPS and not INVALID_GAPS, (VALID_GAPS, INVALID_GAPS)
    write_disagreements(gaps)
    print(f"{len(VALID)} valid, {len(INVALID)} invalid objects written to {OUT}")


if __name__ == "__main__":
    main()
