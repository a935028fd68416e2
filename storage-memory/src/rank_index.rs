//! An ordered multiset-free index with O(log n) rank and select: sorted blocks plus a
//! Fenwick tree over the block sizes.
//!
//! Blocks keep keys contiguous, so an update is a short `memmove` inside one block rather
//! than a chase through a million tree nodes; the Fenwick tree turns "how many keys come
//! before this block" into a logarithmic sum.

/// Blocks split when they reach twice this size. Small enough that the `memmove` of an
/// update stays within a few cache lines' worth of pages, large enough that the block
/// directory of a million-member guild is a few thousand entries.
const BLOCK: usize = 128;

/// A sorted set of distinct keys with rank (position) and select (n-th key) queries.
#[derive(Debug, Clone)]
pub(crate) struct RankIndex<K> {
    blocks: Vec<Vec<K>>,
    /// `maxes[i]` is the last key of `blocks[i]`.
    maxes: Vec<K>,
    sizes: Fenwick,
    len: usize,
}

impl<K: Ord + Clone> RankIndex<K> {
    pub(crate) fn new() -> Self {
        Self {
            blocks: Vec::new(),
            maxes: Vec::new(),
            sizes: Fenwick::default(),
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The block that holds `key` or would hold it: the first whose max is `>= key`.
    fn block_of(&self, key: &K) -> usize {
        self.maxes.partition_point(|max| max < key)
    }

    /// Adds `key`; `false` when it was present.
    pub(crate) fn insert(&mut self, key: K) -> bool {
        if self.blocks.is_empty() {
            self.blocks.push(vec![key.clone()]);
            self.maxes.push(key);
            self.len = 1;
            self.sizes.rebuild(&self.blocks);
            return true;
        }
        let index = self.block_of(&key).min(self.blocks.len() - 1);
        let block = &mut self.blocks[index];
        let Err(position) = block.binary_search(&key) else {
            return false;
        };
        block.insert(position, key);
        if position + 1 == block.len() {
            self.maxes[index] = block[position].clone();
        }
        self.len += 1;
        if block.len() >= 2 * BLOCK {
            let tail = block.split_off(BLOCK);
            self.maxes[index] = self.blocks[index][BLOCK - 1].clone();
            self.maxes.insert(index + 1, tail[tail.len() - 1].clone());
            self.blocks.insert(index + 1, tail);
            self.sizes.rebuild(&self.blocks);
        } else {
            self.sizes.add(index, 1);
        }
        true
    }

    /// Removes `key`; `false` when it was absent.
    pub(crate) fn remove(&mut self, key: &K) -> bool {
        let index = self.block_of(key);
        let Some(block) = self.blocks.get_mut(index) else {
            return false;
        };
        let Ok(position) = block.binary_search(key) else {
            return false;
        };
        block.remove(position);
        self.len -= 1;
        if block.is_empty() {
            self.blocks.remove(index);
            self.maxes.remove(index);
            self.sizes.rebuild(&self.blocks);
        } else {
            if position == block.len() {
                self.maxes[index] = block[position - 1].clone();
            }
            self.sizes.add(index, -1);
        }
        true
    }

    /// How many keys are smaller than `key` (its 0-based position when present).
    pub(crate) fn rank(&self, key: &K) -> usize {
        let index = self.block_of(key);
        match self.blocks.get(index) {
            None => self.len,
            Some(block) => self.sizes.prefix(index) + block.partition_point(|k| k < key),
        }
    }

    /// The keys from 0-based position `offset` on, in order.
    pub(crate) fn iter_from(&self, offset: usize) -> impl Iterator<Item = &K> {
        let (block, within) = if offset >= self.len {
            (self.blocks.len(), 0)
        } else {
            self.sizes.find(offset)
        };
        self.blocks[block.min(self.blocks.len())..]
            .iter()
            .flatten()
            .skip(within)
    }
}

/// A Fenwick (binary indexed) tree of block sizes.
#[derive(Debug, Clone, Default)]
struct Fenwick {
    /// 1-based: `tree[i]` sums the sizes of blocks `(i - lowbit(i), i]`.
    tree: Vec<usize>,
}

impl Fenwick {
    fn rebuild<K>(&mut self, blocks: &[Vec<K>]) {
        let n = blocks.len();
        self.tree.clear();
        self.tree.resize(n + 1, 0);
        for (i, block) in blocks.iter().enumerate() {
            self.tree[i + 1] += block.len();
            let parent = (i + 1) + ((i + 1) & (i + 1).wrapping_neg());
            if parent <= n {
                self.tree[parent] += self.tree[i + 1];
            }
        }
    }

    fn add(&mut self, block: usize, delta: isize) {
        let mut i = block + 1;
        while i < self.tree.len() {
            self.tree[i] = self.tree[i].wrapping_add_signed(delta);
            i += i & i.wrapping_neg();
        }
    }

    /// Total size of blocks `0..block`.
    fn prefix(&self, block: usize) -> usize {
        let mut i = block;
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i];
            i &= i - 1;
        }
        sum
    }

    /// The block holding 0-based position `n` and the position within it.
    fn find(&self, mut n: usize) -> (usize, usize) {
        let len = self.tree.len() - 1;
        let mut index = 0;
        let mut step = if len == 0 { 0 } else { 1 << len.ilog2() };
        while step > 0 {
            let next = index + step;
            if next <= len && self.tree[next] <= n {
                index = next;
                n -= self.tree[next];
            }
            step >>= 1;
        }
        (index, n)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u32),
        Remove(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u32..5000).prop_map(Op::Insert),
            1 => (0u32..5000).prop_map(Op::Remove),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The index answers rank and select exactly like a sorted set.
        #[test]
        fn behaves_like_a_sorted_set(ops in prop::collection::vec(op(), 1..4000), probes in prop::collection::vec(0u32..5001, 20)) {
            let mut index = RankIndex::new();
            let mut model = BTreeSet::new();
            for op in ops {
                match op {
                    Op::Insert(k) => prop_assert_eq!(index.insert(k), model.insert(k)),
                    Op::Remove(k) => prop_assert_eq!(index.remove(&k), model.remove(&k)),
                }
            }
            prop_assert_eq!(index.len(), model.len());
            for probe in probes {
                prop_assert_eq!(index.rank(&probe), model.range(..probe).count());
                let offset = probe as usize % (model.len() + 2);
                let ours: Vec<u32> = index.iter_from(offset).take(5).copied().collect();
                let theirs: Vec<u32> = model.iter().skip(offset).take(5).copied().collect();
                prop_assert_eq!(ours, theirs);
            }
        }
    }

    #[test]
    fn splits_and_empties_blocks() {
        let mut index = RankIndex::new();
        for k in 0..10 * BLOCK {
            assert!(index.insert(k));
        }
        assert!(index.blocks.len() > 5);
        assert_eq!(index.rank(&(3 * BLOCK + 7)), 3 * BLOCK + 7);
        for k in 0..10 * BLOCK {
            assert!(index.remove(&k));
        }
        assert_eq!(index.len(), 0);
        assert_eq!(index.iter_from(0).count(), 0);
        assert!(index.insert(1));
        assert_eq!(index.rank(&2), 1);
    }
}
