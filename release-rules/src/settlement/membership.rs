//! Who the partners are, in which role and status, with which keys: one [`Membership`] per
//! membership epoch. Membership changes are proposals like rule-set versions; when one
//! settles, the hub applies it at the settlement instant and the epoch goes up by one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stix_model::timestamp::Instant;

use super::keys::{KeyRing, PublicKey};
use crate::error::Error;
use crate::subject::{Partner, Status};

/// A partner as the membership holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub partner: String,
    pub role: String,
    pub status: Status,
}

/// A proposed membership change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MembershipChange {
    /// A new partner (or one that left, rejoining) with its authority keys.
    Join {
        partner: String,
        role: String,
        keys: Vec<PublicKey>,
    },
    RoleChange {
        partner: String,
        role: String,
    },
    /// The partner sees nothing and its new submissions are quarantined; it does not vote.
    Suspension {
        partner: String,
    },
    /// The partner leaves: its keys are retired when the departure settles.
    Departure {
        partner: String,
    },
    /// New authority keys valid from settlement, and keys retired at settlement. The
    /// partner's own approval must also be signed by every new key (proof of possession;
    /// TUF: a rotation is signed by the old and the new key).
    KeyRotation {
        partner: String,
        add: Vec<PublicKey>,
        #[serde(default)]
        retire: Vec<PublicKey>,
    },
}

impl MembershipChange {
    /// The partner the change is about.
    pub fn subject(&self) -> &str {
        match self {
            MembershipChange::Join { partner, .. }
            | MembershipChange::RoleChange { partner, .. }
            | MembershipChange::Suspension { partner }
            | MembershipChange::Departure { partner }
            | MembershipChange::KeyRotation { partner, .. } => partner,
        }
    }

    /// Whether the subject is left out of the electorate of this proposal: nobody votes on
    /// their own admission (§5.2), and a lead must not be able to veto its own suspension,
    /// departure or change of role. A key rotation is the partner's own act: it votes.
    pub fn excludes_subject(&self) -> bool {
        !matches!(self, MembershipChange::KeyRotation { .. })
    }
}

/// The membership of one epoch.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Membership {
    pub epoch: u64,
    members: BTreeMap<String, Member>,
    pub keys: KeyRing,
}

impl Membership {
    /// An empty membership at `epoch`.
    pub fn new(epoch: u64) -> Membership {
        Membership {
            epoch,
            ..Membership::default()
        }
    }

    /// The genesis membership of a mission (epoch 0): its partners with their roles and
    /// status, and the keys each registered, valid from `at`.
    pub fn genesis(
        partners: &[Partner],
        keys: &BTreeMap<String, Vec<PublicKey>>,
        at: Instant,
    ) -> Result<Membership, Error> {
        let mut m = Membership::new(0);
        for p in partners {
            m.insert(&p.id, &p.role, p.status)?;
            for k in keys.get(&p.id).into_iter().flatten() {
                m.keys.register(&p.id, k.clone(), at)?;
            }
        }
        if let Some(stranger) = keys.keys().find(|id| !m.members.contains_key(*id)) {
            return Err(fault(format!("keys given for unknown partner {stranger}")));
        }
        Ok(m)
    }

    /// Adds a member (building a membership by hand; changes go through [`Membership::apply`]).
    pub fn insert(&mut self, partner: &str, role: &str, status: Status) -> Result<(), Error> {
        if partner.is_empty() || self.members.contains_key(partner) {
            return Err(fault(format!(
                "partner {partner:?} empty or declared twice"
            )));
        }
        self.members.insert(
            partner.to_owned(),
            Member {
                partner: partner.to_owned(),
                role: role.to_owned(),
                status,
            },
        );
        Ok(())
    }

    pub fn member(&self, partner: &str) -> Option<&Member> {
        self.members.get(partner)
    }

    /// Members in partner-id order.
    pub fn members(&self) -> impl Iterator<Item = &Member> {
        self.members.values()
    }

    /// Checks that `change` applies to this membership, without applying it.
    pub fn check(&self, change: &MembershipChange) -> Result<(), Error> {
        let current = self.member(change.subject());
        let subject = change.subject();
        let new_keys = match change {
            MembershipChange::Join { keys, .. } => keys.as_slice(),
            MembershipChange::KeyRotation { add, .. } => add.as_slice(),
            _ => &[],
        };
        for (i, k) in new_keys.iter().enumerate() {
            if let Some(owner) = self.keys.owner_of(k) {
                return Err(fault(format!("key {k} is already registered to {owner}")));
            }
            if new_keys.iter().take(i).any(|earlier| earlier == k) {
                return Err(fault(format!("key {k} is given twice")));
            }
        }
        match (change, current) {
            (MembershipChange::Join { keys, .. }, current) => {
                if current.is_some_and(|m| m.status != Status::Left) {
                    return Err(fault(format!("{subject} is already a member")));
                }
                if keys.is_empty() {
                    return Err(fault(format!("{subject} joins without an authority key")));
                }
            }
            (_, None) => return Err(fault(format!("{subject} is not a member"))),
            (_, Some(m)) if m.status == Status::Left => {
                return Err(fault(format!("{subject} has left")));
            }
            (MembershipChange::RoleChange { role, .. }, Some(m)) if &m.role == role => {
                return Err(fault(format!("{subject} already has role {role}")));
            }
            (MembershipChange::Suspension { .. }, Some(m)) if m.status != Status::Active => {
                return Err(fault(format!("{subject} is already suspended")));
            }
            (MembershipChange::KeyRotation { add, retire, .. }, Some(_)) => {
                if add.is_empty() {
                    return Err(fault(format!("key rotation for {subject} adds no key")));
                }
                let current = self.keys.of(subject);
                if let Some(k) = retire
                    .iter()
                    .find(|k| !current.iter().any(|r| &r.key == *k && r.until.is_none()))
                {
                    return Err(fault(format!("{subject} has no current key {k}")));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The membership of the next epoch, with `change` applied at `at` (the settlement
    /// instant: retired keys stop being valid there, new keys start).
    pub fn apply(&self, change: &MembershipChange, at: Instant) -> Result<Membership, Error> {
        self.check(change)?;
        let mut next = self.clone();
        next.epoch = self.epoch + 1;
        let subject = change.subject().to_owned();
        match change {
            MembershipChange::Join { role, keys, .. } => {
                next.members.insert(
                    subject.clone(),
                    Member {
                        partner: subject.clone(),
                        role: role.clone(),
                        status: Status::Active,
                    },
                );
                for k in keys {
                    next.keys.register(&subject, k.clone(), at)?;
                }
            }
            MembershipChange::RoleChange { role, .. } => {
                if let Some(m) = next.members.get_mut(&subject) {
                    m.role = role.clone();
                }
            }
            MembershipChange::Suspension { .. } => {
                if let Some(m) = next.members.get_mut(&subject) {
                    m.status = Status::Suspended;
                }
            }
            MembershipChange::Departure { .. } => {
                if let Some(m) = next.members.get_mut(&subject) {
                    m.status = Status::Left;
                }
                next.keys.retire_all(&subject, at);
            }
            MembershipChange::KeyRotation { add, retire, .. } => {
                for k in retire {
                    next.keys.retire(&subject, k, at)?;
                }
                for k in add {
                    next.keys.register(&subject, k.clone(), at)?;
                }
            }
        }
        Ok(next)
    }
}

fn fault(message: String) -> Error {
    Error::Membership { message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settlement::keys::PartnerKey;

    fn t(seconds: i64) -> Instant {
        Instant { seconds, nanos: 0 }
    }

    fn key(seed: u8) -> PublicKey {
        PartnerKey::from_seed(&[seed; 32]).unwrap().public_key()
    }

    #[test]
    fn each_change_raises_the_epoch() {
        let mut m = Membership::new(3);
        m.insert("A", "lead", Status::Active).unwrap();
        m.keys.register("A", key(1), t(0)).unwrap();
        let next = m
            .apply(
                &MembershipChange::Join {
                    partner: "B".into(),
                    role: "supporting".into(),
                    keys: vec![key(2)],
                },
                t(10),
            )
            .unwrap();
        assert_eq!(next.epoch, 4);
        assert_eq!(next.member("B").unwrap().status, Status::Active);
        assert_eq!(next.keys.valid_at("B", t(10)), vec![key(2)]);
        assert!(next.keys.valid_at("B", t(9)).is_empty());
    }

    #[test]
    fn departure_retires_every_key() {
        let mut m = Membership::new(0);
        m.insert("A", "lead", Status::Active).unwrap();
        m.keys.register("A", key(1), t(0)).unwrap();
        let next = m
            .apply(
                &MembershipChange::Departure {
                    partner: "A".into(),
                },
                t(5),
            )
            .unwrap();
        assert_eq!(next.member("A").unwrap().status, Status::Left);
        assert_eq!(next.keys.valid_at("A", t(4)), vec![key(1)]);
        assert!(next.keys.valid_at("A", t(5)).is_empty());
    }

    #[test]
    fn changes_that_do_not_apply_are_refused() {
        let mut m = Membership::new(0);
        m.insert("A", "lead", Status::Active).unwrap();
        m.keys.register("A", key(1), t(0)).unwrap();
        let refused = [
            MembershipChange::RoleChange {
                partner: "A".into(),
                role: "lead".into(),
            },
            MembershipChange::Suspension {
                partner: "Z".into(),
            },
            MembershipChange::Join {
                partner: "A".into(),
                role: "lead".into(),
                keys: vec![key(3)],
            },
            MembershipChange::KeyRotation {
                partner: "A".into(),
                add: vec![key(4)],
                retire: vec![key(5)],
            },
            MembershipChange::Join {
                partner: "B".into(),
                role: "lead".into(),
                keys: vec![key(1)],
            },
        ];
        for change in refused {
            assert!(
                matches!(m.apply(&change, t(1)), Err(Error::Membership { .. })),
                "{change:?}"
            );
        }
    }
}
