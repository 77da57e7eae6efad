//! A small growable bitset over interned symbols: set attributes and literal sets compile to
//! these, so that membership, intersection and subset are word operations.

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    pub(crate) fn new() -> Bits {
        Bits(Vec::new())
    }

    pub(crate) fn of(symbols: impl IntoIterator<Item = u32>) -> Bits {
        let mut b = Bits::new();
        for s in symbols {
            b.insert(s);
        }
        b
    }

    pub(crate) fn insert(&mut self, symbol: u32) {
        let word = (symbol / 64) as usize;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        if let Some(w) = self.0.get_mut(word) {
            *w |= 1u64 << (symbol % 64);
        }
    }

    pub(crate) fn contains(&self, symbol: u32) -> bool {
        self.0
            .get((symbol / 64) as usize)
            .is_some_and(|w| w & (1u64 << (symbol % 64)) != 0)
    }

    pub(crate) fn intersects(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }

    /// Whether every member of `self` is in `other`.
    pub(crate) fn is_subset(&self, other: &Bits) -> bool {
        self.0
            .iter()
            .enumerate()
            .all(|(i, a)| a & !other.0.get(i).copied().unwrap_or(0) == 0)
    }

    pub(crate) fn union(&self, other: &Bits) -> Bits {
        let len = self.0.len().max(other.0.len());
        Bits(
            (0..len)
                .map(|i| self.0.get(i).copied().unwrap_or(0) | other.0.get(i).copied().unwrap_or(0))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_operations() {
        let a = Bits::of([1, 70, 130]);
        let b = Bits::of([70]);
        assert!(a.contains(130) && !a.contains(2));
        assert!(a.intersects(&b) && b.is_subset(&a) && !a.is_subset(&b));
        assert!(Bits::new().is_subset(&b));
        assert!(!Bits::new().intersects(&a));
        assert_eq!(b.union(&Bits::of([3])), Bits::of([3, 70]));
    }
}
