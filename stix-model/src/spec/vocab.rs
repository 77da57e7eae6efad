//! STIX 2.1 vocabularies (§10) and enumerations. Open vocabularies (`-ov`) allow other values
//! with a warning; closed ones (`-enum` and the closed property values) do not.
//!
//! The values are those of STIX 2.1 (OASIS Standard, 10 June 2021); the few terms that STIX 2.1
//! Errata 01 adds to open vocabularies are included too, since an open vocabulary only warns.

use super::Vocab;

pub const HASH_ALGORITHM: Vocab = Vocab {
    name: "hash-algorithm-ov",
    values: &[
        "MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH",
    ],
    open: true,
};

pub const EXTENSION_TYPE: Vocab = Vocab {
    name: "extension-type-enum",
    values: &[
        "new-sdo",
        "new-sco",
        "new-sro",
        "property-extension",
        "toplevel-property-extension",
    ],
    open: false,
};

/// §10.2, used by intrusion-set and threat-actor motivations.
pub const ATTACK_MOTIVATION: Vocab = Vocab {
    name: "attack-motivation-ov",
    values: &[
        "accidental",
        "coercion",
        "dominance",
        "ideology",
        "notoriety",
        "organizational-gain",
        "personal-gain",
        "personal-satisfaction",
        "revenge",
        "unpredictable",
    ],
    open: true,
};

/// §10.3, used by intrusion-set and threat-actor `resource_level`.
pub const ATTACK_RESOURCE_LEVEL: Vocab = Vocab {
    name: "attack-resource-level-ov",
    values: &[
        "individual",
        "club",
        "contest",
        "team",
        "organization",
        "government",
    ],
    open: true,
};

/// §10.6, grouping `context`.
pub const GROUPING_CONTEXT: Vocab = Vocab {
    name: "grouping-context-ov",
    values: &["suspicious-activity", "malware-analysis", "unspecified"],
    open: true,
};

/// §10.8, identity `identity_class`.
pub const IDENTITY_CLASS: Vocab = Vocab {
    name: "identity-class-ov",
    values: &[
        "individual",
        "group",
        "system",
        "organization",
        "class",
        "unknown",
    ],
    open: true,
};

/// §10.9, malware `implementation_languages` (`rust` from Errata 01).
pub const IMPLEMENTATION_LANGUAGE: Vocab = Vocab {
    name: "implementation-language-ov",
    values: &[
        "applescript",
        "bash",
        "c",
        "c++",
        "c#",
        "go",
        "java",
        "javascript",
        "lua",
        "objective-c",
        "perl",
        "php",
        "powershell",
        "python",
        "ruby",
        "rust",
        "scala",
        "swift",
        "typescript",
        "visual-basic",
        "x86-32",
        "x86-64",
    ],
    open: true,
};

/// §10.10, indicator `indicator_types`.
pub const INDICATOR_TYPE: Vocab = Vocab {
    name: "indicator-type-ov",
    values: &[
        "anomalous-activity",
        "anonymization",
        "benign",
        "compromised",
        "malicious-activity",
        "attribution",
        "unknown",
    ],
    open: true,
};

/// §10.11, identity `sectors` (`legal` from Errata 01).
pub const INDUSTRY_SECTOR: Vocab = Vocab {
    name: "industry-sector-ov",
    values: &[
        "agriculture",
        "aerospace",
        "automotive",
        "chemical",
        "commercial",
        "communications",
        "construction",
        "defense",
        "education",
        "energy",
        "entertainment",
        "financial-services",
        "government",
        "emergency-services",
        "government-local",
        "government-national",
        "government-public-services",
        "government-regional",
        "healthcare",
        "hospitality-leisure",
        "infrastructure",
        "dams",
        "nuclear",
        "water",
        "insurance",
        "legal",
        "manufacturing",
        "mining",
        "non-profit",
        "pharmaceuticals",
        "retail",
        "technology",
        "telecommunications",
        "transportation",
        "utilities",
    ],
    open: true,
};

/// §10.12, infrastructure `infrastructure_types`.
pub const INFRASTRUCTURE_TYPE: Vocab = Vocab {
    name: "infrastructure-type-ov",
    values: &[
        "amplification",
        "anonymization",
        "botnet",
        "command-and-control",
        "control-system",
        "exfiltration",
        "firewall",
        "hosting-malware",
        "hosting-target-lists",
        "phishing",
        "reconnaissance",
        "routers-switches",
        "staging",
        "workstation",
        "unknown",
    ],
    open: true,
};

/// §10.13, malware `capabilities`.
pub const MALWARE_CAPABILITIES: Vocab = Vocab {
    name: "malware-capabilities-ov",
    values: &[
        "accesses-remote-machines",
        "anti-debugging",
        "anti-disassembly",
        "anti-emulation",
        "anti-memory-forensics",
        "anti-sandbox",
        "anti-vm",
        "captures-input-peripherals",
        "captures-output-peripherals",
        "captures-system-state-data",
        "cleans-traces-of-infection",
        "commits-fraud",
        "communicates-with-c2",
        "compromises-data-availability",
        "compromises-data-integrity",
        "compromises-system-availability",
        "controls-local-machine",
        "degrades-security-software",
        "degrades-system-updates",
        "determines-c2-server",
        "emails-spam",
        "escalates-privileges",
        "evades-av",
        "exfiltrates-data",
        "fingerprints-host",
        "hides-artifacts",
        "hides-executing-code",
        "infects-files",
        "infects-remote-machines",
        "installs-other-components",
        "persists-after-system-reboot",
        "prevents-artifact-access",
        "prevents-artifact-deletion",
        "probes-network-environment",
        "self-modifies",
        "steals-authentication-credentials",
        "violates-system-operational-integrity",
    ],
    open: true,
};

/// §10.14, malware-analysis `result`.
pub const MALWARE_RESULT: Vocab = Vocab {
    name: "malware-result-ov",
    values: &["malicious", "suspicious", "benign", "unknown"],
    open: true,
};

/// §10.15, malware `malware_types`.
pub const MALWARE_TYPE: Vocab = Vocab {
    name: "malware-type-ov",
    values: &[
        "adware",
        "backdoor",
        "bot",
        "bootkit",
        "ddos",
        "downloader",
        "dropper",
        "exploit-kit",
        "keylogger",
        "ransomware",
        "remote-access-trojan",
        "resource-exploitation",
        "rogue-security-software",
        "rootkit",
        "screen-capture",
        "spyware",
        "trojan",
        "unknown",
        "virus",
        "webshell",
        "wiper",
        "worm",
    ],
    open: true,
};

/// §10.18, opinion `opinion` (closed).
pub const OPINION: Vocab = Vocab {
    name: "opinion-enum",
    values: &[
        "strongly-disagree",
        "disagree",
        "neutral",
        "agree",
        "strongly-agree",
    ],
    open: false,
};

/// §10.19, indicator `pattern_type`.
pub const PATTERN_TYPE: Vocab = Vocab {
    name: "pattern-type-ov",
    values: &["stix", "pcre", "sigma", "snort", "suricata", "yara"],
    open: true,
};

/// §10.20, malware `architecture_execution_envs`.
pub const PROCESSOR_ARCHITECTURE: Vocab = Vocab {
    name: "processor-architecture-ov",
    values: &[
        "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64",
    ],
    open: true,
};

/// §10.21, location `region` (UN M49 geoscheme).
pub const REGION: Vocab = Vocab {
    name: "region-ov",
    values: &[
        "africa",
        "eastern-africa",
        "middle-africa",
        "northern-africa",
        "southern-africa",
        "western-africa",
        "americas",
        "caribbean",
        "central-america",
        "latin-america-caribbean",
        "northern-america",
        "south-america",
        "asia",
        "central-asia",
        "eastern-asia",
        "southern-asia",
        "south-eastern-asia",
        "western-asia",
        "europe",
        "eastern-europe",
        "northern-europe",
        "southern-europe",
        "western-europe",
        "oceania",
        "antarctica",
        "australia-new-zealand",
        "melanesia",
        "micronesia",
        "polynesia",
    ],
    open: true,
};

/// §10.22, report `report_types`.
pub const REPORT_TYPE: Vocab = Vocab {
    name: "report-type-ov",
    values: &[
        "attack-pattern",
        "campaign",
        "identity",
        "indicator",
        "intrusion-set",
        "malware",
        "observed-data",
        "threat-actor",
        "threat-report",
        "tool",
        "vulnerability",
    ],
    open: true,
};

/// §10.23, threat-actor `threat_actor_types`.
pub const THREAT_ACTOR_TYPE: Vocab = Vocab {
    name: "threat-actor-type-ov",
    values: &[
        "activist",
        "competitor",
        "crime-syndicate",
        "criminal",
        "hacker",
        "insider-accidental",
        "insider-disgruntled",
        "nation-state",
        "sensationalist",
        "spy",
        "terrorist",
        "unknown",
    ],
    open: true,
};

/// §10.24, threat-actor `roles`.
pub const THREAT_ACTOR_ROLE: Vocab = Vocab {
    name: "threat-actor-role-ov",
    values: &[
        "agent",
        "director",
        "independent",
        "infrastructure-architect",
        "infrastructure-operator",
        "malware-author",
        "sponsor",
    ],
    open: true,
};

/// §10.25, threat-actor `sophistication`.
pub const THREAT_ACTOR_SOPHISTICATION: Vocab = Vocab {
    name: "threat-actor-sophistication-ov",
    values: &[
        "none",
        "minimal",
        "intermediate",
        "advanced",
        "expert",
        "innovator",
        "strategic",
    ],
    open: true,
};

/// §10.26, tool `tool_types`.
pub const TOOL_TYPE: Vocab = Vocab {
    name: "tool-type-ov",
    values: &[
        "denial-of-service",
        "exploitation",
        "information-gathering",
        "network-capture",
        "credential-exploitation",
        "remote-access",
        "vulnerability-scanning",
        "unknown",
    ],
    open: true,
};

/// §7.2.1 marking-definition `definition_type`: "SHOULD be one of statement or tlp".
pub const MARKING_DEFINITION_TYPE: Vocab = Vocab {
    name: "marking-definition-type",
    values: &["statement", "tlp"],
    open: true,
};
