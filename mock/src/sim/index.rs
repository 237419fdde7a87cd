//! The flows and their indexes, so that listing a page and publishing cost in proportion to the
//! page (plus a logarithm of the number of flows), not to the number of flows.
//!
//! [`Flows`] holds every flow by id and, per site ([`SiteFlows`]), the site's flows in the orders
//! Query Flows lists them in: by id (the order of a listing without a sort), and by each sort
//! field of the spec (`name`, `createdAt`, `updatedAt`), ascending and descending, with ties in id
//! order as a stable sort of the id order leaves them; and by owner, by project and by name
//! within a project. The orders are [`RankedSet`]s, which find the item at a rank (the first of a
//! page) in logarithmic time. Every change of a flow goes through [`Flows`], which keeps the
//! indexes in step.

use super::state::Flow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A flow's id as the indexes hold it (shared, not copied, between them).
pub(crate) type Id = Arc<str>;

/// The most items a block of a [`RankedSet`] holds before it is split in two.
const MAX_BLOCK: usize = 512;
/// A block smaller than this is merged with the next when they fit in one.
const MIN_BLOCK: usize = MAX_BLOCK / 8;

/// A sorted set that also answers by rank: the items in sorted blocks of at most B
/// ([`MAX_BLOCK`]), with a Fenwick tree over the blocks' lengths. Finding the item of a rank
/// costs O(log n), iterating on from it O(1) an item; inserting and removing O(log n + B), and,
/// when a block splits or merges (once per B/2 or more changes to it), a rebuild of the tree in
/// O(n/B): amortised O(n/B²) a change, a fraction of one step at 100,000 items.
#[derive(Debug, Clone)]
pub(crate) struct RankedSet<K> {
    /// Sorted, none empty, each at most [`MAX_BLOCK`] long; every item of a block is below every
    /// item of the next.
    blocks: Vec<Vec<K>>,
    /// The Fenwick tree of the blocks' lengths (1-based: `tree[0]` is unused).
    tree: Vec<usize>,
    len: usize,
}

impl<K> Default for RankedSet<K> {
    fn default() -> Self {
        RankedSet {
            blocks: Vec::new(),
            tree: vec![0],
            len: 0,
        }
    }
}

impl<K: Ord> RankedSet<K> {
    /// The number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no item.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Rebuilds the Fenwick tree after blocks were added or removed (O(blocks)).
    fn rebuild(&mut self) {
        let n = self.blocks.len();
        self.tree.clear();
        self.tree.resize(n + 1, 0);
        for i in 1..=n {
            self.tree[i] += self.blocks[i - 1].len();
            let parent = i + (i & i.wrapping_neg());
            if parent <= n {
                self.tree[parent] += self.tree[i];
            }
        }
    }

    /// Adds one item to (or removes one from) the length of block `block` in the tree.
    fn adjust(&mut self, block: usize, grew: bool) {
        let mut i = block + 1;
        while i < self.tree.len() {
            if grew {
                self.tree[i] += 1;
            } else {
                self.tree[i] -= 1;
            }
            i += i & i.wrapping_neg();
        }
    }

    /// The number of items in the blocks before `block`.
    fn before(&self, block: usize) -> usize {
        let (mut i, mut sum) = (block, 0);
        while i > 0 {
            sum += self.tree[i];
            i -= i & i.wrapping_neg();
        }
        sum
    }

    /// The block holding the item of rank `rank` (< len) and the item's place in it.
    fn locate(&self, mut rank: usize) -> (usize, usize) {
        let n = self.blocks.len();
        let mut pos = 0;
        let mut step = if n == 0 { 0 } else { 1 << n.ilog2() };
        while step > 0 {
            if pos + step <= n && self.tree[pos + step] <= rank {
                pos += step;
                rank -= self.tree[pos];
            }
            step >>= 1;
        }
        (pos, rank)
    }

    /// The block an item belongs in: the first whose last item is not below it, else the last.
    fn block_for(&self, key: &K) -> usize {
        let i = self
            .blocks
            .partition_point(|b| b.last().is_some_and(|last| last < key));
        i.min(self.blocks.len().saturating_sub(1))
    }

    /// An empty block with room for the most items a block holds (plus the one that splits it):
    /// the blocks of a set past one block never grow, and, all of one size, they leave no odd
    /// holes in the heap as they come and go. (The first block grows as a `Vec` does, so that a
    /// small set stays small.)
    fn new_block() -> Vec<K> {
        Vec::with_capacity(MAX_BLOCK + 1)
    }

    /// Adds an item; false when it was there already.
    pub fn insert(&mut self, key: K) -> bool {
        if self.blocks.is_empty() {
            self.blocks.push(vec![key]);
            self.len = 1;
            self.rebuild();
            return true;
        }
        let b = self.block_for(&key);
        let block = &mut self.blocks[b];
        match block.binary_search(&key) {
            Ok(_) => return false,
            Err(i) => block.insert(i, key),
        }
        self.len += 1;
        if block.len() > MAX_BLOCK {
            let mut tail = Self::new_block();
            tail.extend(block.drain(block.len() / 2..));
            self.blocks.insert(b + 1, tail);
            self.rebuild();
        } else {
            self.adjust(b, true);
        }
        true
    }

    /// Removes an item; false when it was not there.
    pub fn remove(&mut self, key: &K) -> bool {
        if self.blocks.is_empty() {
            return false;
        }
        let b = self.block_for(key);
        let Ok(i) = self.blocks[b].binary_search(key) else {
            return false;
        };
        self.blocks[b].remove(i);
        self.len -= 1;
        let small = self.blocks[b].len();
        if small == 0 {
            self.blocks.remove(b);
            self.rebuild();
        } else if small < MIN_BLOCK
            && b + 1 < self.blocks.len()
            && small + self.blocks[b + 1].len() <= MAX_BLOCK
        {
            let next = self.blocks.remove(b + 1);
            self.blocks[b].extend(next);
            self.rebuild();
        } else {
            self.adjust(b, false);
        }
        true
    }

    /// The number of items for which `below` holds, `below` holding for the items under some
    /// bound and for none above it (the rank of the bound).
    pub fn partition_point(&self, below: impl Fn(&K) -> bool) -> usize {
        let b = self
            .blocks
            .partition_point(|block| block.last().is_some_and(&below));
        match self.blocks.get(b) {
            Some(block) => self.before(b) + block.partition_point(below),
            None => self.len,
        }
    }

    /// The items from rank `from` on, in order.
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &K> + '_ {
        let (block, offset) = if from < self.len {
            self.locate(from)
        } else {
            (self.blocks.len(), 0)
        };
        self.blocks[block..]
            .iter()
            .enumerate()
            .flat_map(move |(i, b)| b[if i == 0 { offset } else { 0 }..].iter())
    }
}

/// Where [`Flows`] keeps a flow: an index entry leads to the flow without a look-up by id.
pub(crate) type Slot = usize;

/// An index entry: the key the index orders by, the flow's id (which orders equal keys), and
/// where the flow is kept.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Entry<K> {
    key: K,
    id: Id,
    slot: Slot,
}

impl<K> Entry<K> {
    fn new(key: K, id: &Id, slot: Slot) -> Entry<K> {
        Entry {
            key,
            id: id.clone(),
            slot,
        }
    }
}

/// A sort field an index serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortField {
    /// `name`, compared in lower case.
    Name,
    /// `createdAt`, in whole seconds.
    CreatedAt,
    /// `updatedAt`, in whole seconds.
    UpdatedAt,
}

impl SortField {
    /// The field of a sort term's name, if an index serves it.
    pub fn of(name: &str) -> Option<SortField> {
        match name {
            "name" => Some(SortField::Name),
            "createdAt" => Some(SortField::CreatedAt),
            "updatedAt" => Some(SortField::UpdatedAt),
            _ => None,
        }
    }
}

/// An index by id alone.
type ById = RankedSet<Entry<()>>;

/// Flows of a site in one order, which a page is taken from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ordered<'a> {
    /// None.
    Empty,
    /// By id.
    Ids(&'a ById),
    /// By lower-case name, then id.
    Text(&'a RankedSet<Entry<Arc<str>>>),
    /// By lower-case name descending, then id.
    TextDesc(&'a RankedSet<Entry<Reverse<Arc<str>>>>),
    /// By whole seconds, then id.
    Time(&'a RankedSet<Entry<u64>>),
    /// By whole seconds descending, then id.
    TimeDesc(&'a RankedSet<Entry<Reverse<u64>>>),
}

impl<'a> Ordered<'a> {
    /// The number of flows.
    pub fn len(&self) -> usize {
        match self {
            Ordered::Empty => 0,
            Ordered::Ids(s) => s.len(),
            Ordered::Text(s) => s.len(),
            Ordered::TextDesc(s) => s.len(),
            Ordered::Time(s) => s.len(),
            Ordered::TimeDesc(s) => s.len(),
        }
    }

    /// The flows (id and slot) from rank `from` on, in order.
    pub fn from(&self, from: usize) -> Box<dyn Iterator<Item = (&'a Id, Slot)> + 'a> {
        fn entries<'a, K: Ord>(
            s: &'a RankedSet<Entry<K>>,
            from: usize,
        ) -> Box<dyn Iterator<Item = (&'a Id, Slot)> + 'a> {
            Box::new(s.iter_from(from).map(|e| (&e.id, e.slot)))
        }
        match *self {
            Ordered::Empty => Box::new(std::iter::empty()),
            Ordered::Ids(s) => entries(s, from),
            Ordered::Text(s) => entries(s, from),
            Ordered::TextDesc(s) => entries(s, from),
            Ordered::Time(s) => entries(s, from),
            Ordered::TimeDesc(s) => entries(s, from),
        }
    }
}

/// The flows of one project of a site.
#[derive(Debug, Default, Clone)]
struct ProjectFlows {
    ids: ById,
    /// By name in ASCII lower case: what publishing looks an existing name up in.
    names: BTreeSet<Entry<String>>,
}

/// The indexes of one site's flows.
#[derive(Debug, Default, Clone)]
pub(crate) struct SiteFlows {
    ids: ById,
    name: RankedSet<Entry<Arc<str>>>,
    name_desc: RankedSet<Entry<Reverse<Arc<str>>>>,
    created: RankedSet<Entry<u64>>,
    created_desc: RankedSet<Entry<Reverse<u64>>>,
    updated: RankedSet<Entry<u64>>,
    updated_desc: RankedSet<Entry<Reverse<u64>>>,
    owners: BTreeMap<String, ById>,
    projects: BTreeMap<String, ProjectFlows>,
}

/// The key a name sorts by: lower case, as the sort compares text.
fn sort_name(name: &str) -> Arc<str> {
    name.to_lowercase().into()
}

impl SiteFlows {
    fn add(&mut self, id: &Id, slot: Slot, f: &Flow) {
        let name = sort_name(&f.name);
        let (created, updated) = (f.created_at.as_secs(), f.updated_at.as_secs());
        let mut fresh = self.ids.insert(Entry::new((), id, slot));
        fresh &= self.name.insert(Entry::new(name.clone(), id, slot));
        fresh &= self.name_desc.insert(Entry::new(Reverse(name), id, slot));
        fresh &= self.created.insert(Entry::new(created, id, slot));
        fresh &= self
            .created_desc
            .insert(Entry::new(Reverse(created), id, slot));
        fresh &= self.updated.insert(Entry::new(updated, id, slot));
        fresh &= self
            .updated_desc
            .insert(Entry::new(Reverse(updated), id, slot));
        fresh &= self
            .owners
            .entry(f.owner_id.clone())
            .or_default()
            .insert(Entry::new((), id, slot));
        let project = self.projects.entry(f.project_id.clone()).or_default();
        fresh &= project.ids.insert(Entry::new((), id, slot));
        fresh &= project
            .names
            .insert(Entry::new(f.name.to_ascii_lowercase(), id, slot));
        debug_assert!(fresh, "flow {id} indexed twice");
    }

    fn remove(&mut self, id: &Id, slot: Slot, f: &Flow) {
        let name = sort_name(&f.name);
        let (created, updated) = (f.created_at.as_secs(), f.updated_at.as_secs());
        let mut found = self.ids.remove(&Entry::new((), id, slot));
        found &= self.name.remove(&Entry::new(name.clone(), id, slot));
        found &= self.name_desc.remove(&Entry::new(Reverse(name), id, slot));
        found &= self.created.remove(&Entry::new(created, id, slot));
        found &= self
            .created_desc
            .remove(&Entry::new(Reverse(created), id, slot));
        found &= self.updated.remove(&Entry::new(updated, id, slot));
        found &= self
            .updated_desc
            .remove(&Entry::new(Reverse(updated), id, slot));
        if let Some(owned) = self.owners.get_mut(&f.owner_id) {
            found &= owned.remove(&Entry::new((), id, slot));
            if owned.is_empty() {
                self.owners.remove(&f.owner_id);
            }
        } else {
            found = false;
        }
        if let Some(project) = self.projects.get_mut(&f.project_id) {
            found &= project.ids.remove(&Entry::new((), id, slot));
            found &= project
                .names
                .remove(&Entry::new(f.name.to_ascii_lowercase(), id, slot));
            if project.ids.is_empty() {
                self.projects.remove(&f.project_id);
            }
        } else {
            found = false;
        }
        debug_assert!(found, "flow {id} was not indexed");
    }

    /// The site's flows by id.
    pub fn ids(&self) -> Ordered<'_> {
        Ordered::Ids(&self.ids)
    }

    /// The site's flows sorted by one field (ties by id).
    pub fn ordered(&self, field: SortField, ascending: bool) -> Ordered<'_> {
        match (field, ascending) {
            (SortField::Name, true) => Ordered::Text(&self.name),
            (SortField::Name, false) => Ordered::TextDesc(&self.name_desc),
            (SortField::CreatedAt, true) => Ordered::Time(&self.created),
            (SortField::CreatedAt, false) => Ordered::TimeDesc(&self.created_desc),
            (SortField::UpdatedAt, true) => Ordered::Time(&self.updated),
            (SortField::UpdatedAt, false) => Ordered::TimeDesc(&self.updated_desc),
        }
    }

    /// The flows a user owns, by id.
    pub fn owned_by(&self, owner: &str) -> Ordered<'_> {
        self.owners.get(owner).map_or(Ordered::Empty, Ordered::Ids)
    }

    /// The flows of a project, by id.
    pub fn in_project(&self, project: &str) -> Ordered<'_> {
        self.projects
            .get(project)
            .map_or(Ordered::Empty, |p| Ordered::Ids(&p.ids))
    }

    /// The flows whose name is `name` ignoring case (as `to_lowercase` folds it): a range of
    /// ranks of [`SiteFlows::ordered`] by name ascending.
    pub fn named(&self, name: &str) -> std::ops::Range<usize> {
        let key = name.to_lowercase();
        let start = self.name.partition_point(|e| *e.key < *key);
        let end = self.name.partition_point(|e| *e.key <= *key);
        start..end
    }

    /// The flow of a project whose name is `name` ignoring ASCII case (the one with the lowest
    /// id, should several be).
    fn named_in_project(&self, project: &str, name: &str) -> Option<Slot> {
        let key = name.to_ascii_lowercase();
        let first = Entry {
            key,
            id: Id::from(""),
            slot: 0,
        };
        let names = &self.projects.get(project)?.names;
        names
            .range(&first..)
            .next()
            .filter(|e| e.key == first.key)
            .map(|e| e.slot)
    }
}

/// Every flow, by id, with the indexes of each site's flows. A flow changes only through
/// [`Flows::insert`], [`Flows::remove`] and [`Flows::update`], which keep the indexes in step.
#[derive(Debug, Default)]
pub(crate) struct Flows {
    /// Where each flow is kept, by id.
    ids: BTreeMap<Id, Slot>,
    /// The flows; `None` in a free slot.
    slots: Vec<Option<Flow>>,
    /// The free slots.
    free: Vec<Slot>,
    sites: BTreeMap<String, SiteFlows>,
}

impl Flows {
    /// The flow with an id.
    pub fn get(&self, id: &str) -> Option<&Flow> {
        self.ids.get(id).map(|&slot| self.at(slot))
    }

    /// The flow kept in a slot an index gave.
    pub fn at(&self, slot: Slot) -> &Flow {
        self.slots[slot].as_ref().expect("an indexed flow is kept")
    }

    /// The number of flows (of every site).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Every flow, by id.
    #[cfg(test)]
    pub fn values(&self) -> impl Iterator<Item = &Flow> + '_ {
        self.ids.values().map(|&slot| self.at(slot))
    }

    /// Every flow's id, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.ids.keys().map(|k| &**k)
    }

    /// Adds a flow, or replaces the flow with its id.
    pub fn insert(&mut self, flow: Flow) {
        self.remove(&flow.id);
        let id = Id::from(flow.id.as_str());
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        self.sites
            .entry(flow.site_id.clone())
            .or_default()
            .add(&id, slot, &flow);
        self.slots[slot] = Some(flow);
        self.ids.insert(id, slot);
    }

    /// Removes a flow.
    pub fn remove(&mut self, id: &str) -> Option<Flow> {
        let (id, slot) = self.ids.remove_entry(id)?;
        let flow = self.slots[slot].take().expect("a flow is kept in its slot");
        self.free.push(slot);
        if let Some(site) = self.sites.get_mut(&flow.site_id) {
            site.remove(&id, slot, &flow);
            if site.ids.is_empty() {
                self.sites.remove(&flow.site_id);
            }
        } else {
            debug_assert!(false, "flow {id} was not indexed in its site");
        }
        Some(flow)
    }

    /// Changes a flow (any of its fields, its id too) and indexes it again; `None` when there is
    /// no flow with the id.
    pub fn update<R>(&mut self, id: &str, change: impl FnOnce(&mut Flow) -> R) -> Option<R> {
        let mut flow = self.remove(id)?;
        let answer = change(&mut flow);
        self.insert(flow);
        Some(answer)
    }

    /// The indexes of a site's flows (`None` when it has none).
    pub fn site(&self, site_id: &str) -> Option<&SiteFlows> {
        self.sites.get(site_id)
    }

    /// The flow of a site's project whose name is `name` ignoring ASCII case, as publishing
    /// looks for it (the one with the lowest id, should several be).
    pub fn named_in_project(&self, site_id: &str, project: &str, name: &str) -> Option<&Flow> {
        let slot = self.site(site_id)?.named_in_project(project, name)?;
        Some(self.at(slot))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::time::Duration;

    /// A small linear congruential generator: deterministic, no dependency.
    pub(crate) struct Lcg(u64);

    impl Lcg {
        pub fn new(seed: u64) -> Lcg {
            Lcg(seed ^ 0x2545_f491_4f6c_dd1d)
        }

        pub fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n.max(1)
        }
    }

    impl<K: Ord + Clone + std::fmt::Debug> RankedSet<K> {
        /// Checks the blocks and the Fenwick tree; the items, in order.
        fn checked(&self) -> Vec<K> {
            assert!(self.blocks.iter().all(|b| !b.is_empty()), "an empty block");
            assert!(self.blocks.iter().all(|b| b.len() <= MAX_BLOCK));
            let items: Vec<K> = self.blocks.iter().flatten().cloned().collect();
            assert!(items.windows(2).all(|w| w[0] < w[1]), "not sorted");
            assert_eq!(items.len(), self.len);
            let mut prefix = 0;
            for (b, block) in self.blocks.iter().enumerate() {
                assert_eq!(self.before(b), prefix, "Fenwick prefix of block {b}");
                prefix += block.len();
            }
            items
        }
    }

    #[test]
    fn ranked_set_matches_a_btreeset() {
        let mut rng = Lcg::new(7);
        for round in 0..6 {
            let range = [10, 300, 3_000, 20_000, 5_000, 1_000][round];
            let mut set = RankedSet::default();
            let mut model = BTreeSet::new();
            for step in 0..20_000 {
                let k = rng.below(range);
                // Phases of mostly inserting and mostly removing, to split and merge blocks.
                let inserting = (step / 2_500) % 2 == 0;
                if rng.below(10) < if inserting { 8 } else { 2 } {
                    assert_eq!(set.insert(k), model.insert(k));
                } else {
                    assert_eq!(set.remove(&k), model.remove(&k));
                }
                if step % 997 == 0 {
                    let items = set.checked();
                    assert!(items.iter().eq(model.iter()));
                    let n = model.len();
                    for from in [0, 1, n / 3, n / 2, n.saturating_sub(1), n, n + 5] {
                        assert!(
                            set.iter_from(from).eq(model.iter().skip(from)),
                            "from {from}"
                        );
                    }
                    let bound = rng.below(range);
                    assert_eq!(
                        set.partition_point(|k| *k < bound),
                        model.range(..bound).count()
                    );
                }
            }
            set.checked();
        }
    }

    fn flow(rng: &mut Lcg, n: u64) -> Flow {
        let names = [
            "Alpha", "alpha", "Beta", "BETA", "gamma", "Ärger", "ärger", "Zed",
        ];
        Flow {
            id: format!("{:08x}-{n}", rng.below(1 << 32)),
            name: format!("{}{}", names[rng.below(8) as usize], rng.below(3)),
            description: String::new(),
            project_id: format!("p{}", rng.below(3)),
            owner_id: format!("u{}", rng.below(3)),
            file_type: "tfl".into(),
            bytes: Arc::new(Vec::new()),
            created_at: Duration::from_millis(rng.below(5_000)),
            updated_at: Duration::from_millis(rng.below(5_000)),
            tags: Vec::new(),
            output_steps: Vec::new(),
            parameters: Vec::new(),
            connections: Vec::new(),
            fails: false,
            site_id: format!("s{}", rng.below(2)),
        }
    }

    /// The (key, id) of each entry of an index, checking that its slot keeps the flow.
    fn keys_of<K: Ord + Clone + std::fmt::Debug>(
        flows: &Flows,
        set: &RankedSet<Entry<K>>,
    ) -> Vec<(K, Id)> {
        set.checked()
            .into_iter()
            .map(|e| {
                assert_eq!(flows.at(e.slot).id, *e.id, "the slot of {}", e.id);
                (e.key, e.id)
            })
            .collect()
    }

    /// Checks every index against one built from scratch over the flows, and against the flows
    /// themselves.
    fn check(flows: &Flows) {
        let mut fresh = Flows::default();
        for f in flows.values() {
            fresh.insert(f.clone());
        }
        assert_eq!(
            flows.slots.iter().filter(|s| s.is_some()).count(),
            flows.ids.len()
        );
        assert_eq!(flows.slots.len(), flows.ids.len() + flows.free.len());
        assert_eq!(
            flows.sites.keys().collect::<Vec<_>>(),
            fresh.sites.keys().collect::<Vec<_>>()
        );
        for (site_id, site) in &flows.sites {
            let want = &fresh.sites[site_id];
            let mine: Vec<&Flow> = flows.values().filter(|f| &f.site_id == site_id).collect();
            assert!(
                keys_of(flows, &site.ids)
                    .iter()
                    .map(|(_, id)| &**id)
                    .eq(mine.iter().map(|f| f.id.as_str()))
            );
            assert_eq!(keys_of(flows, &site.name), keys_of(&fresh, &want.name));
            assert_eq!(
                keys_of(flows, &site.name_desc),
                keys_of(&fresh, &want.name_desc)
            );
            assert_eq!(
                keys_of(flows, &site.created),
                keys_of(&fresh, &want.created)
            );
            assert_eq!(
                keys_of(flows, &site.created_desc),
                keys_of(&fresh, &want.created_desc)
            );
            assert_eq!(
                keys_of(flows, &site.updated),
                keys_of(&fresh, &want.updated)
            );
            assert_eq!(
                keys_of(flows, &site.updated_desc),
                keys_of(&fresh, &want.updated_desc)
            );
            assert_eq!(
                site.owners.keys().collect::<Vec<_>>(),
                want.owners.keys().collect::<Vec<_>>()
            );
            for (owner, ids) in &site.owners {
                assert_eq!(keys_of(flows, ids), keys_of(&fresh, &want.owners[owner]));
                assert!(
                    keys_of(flows, ids)
                        .iter()
                        .all(|(_, id)| flows.get(id).is_some_and(|f| &f.owner_id == owner))
                );
            }
            assert_eq!(
                site.projects.keys().collect::<Vec<_>>(),
                want.projects.keys().collect::<Vec<_>>()
            );
            for (project, p) in &site.projects {
                let other = &want.projects[project];
                assert_eq!(keys_of(flows, &p.ids), keys_of(&fresh, &other.ids));
                let names = |flows: &Flows, p: &ProjectFlows| -> Vec<(String, Id)> {
                    p.names
                        .iter()
                        .map(|e| {
                            assert_eq!(flows.at(e.slot).id, *e.id);
                            (e.key.clone(), e.id.clone())
                        })
                        .collect()
                };
                assert_eq!(names(flows, p), names(&fresh, other));
            }
            // Each order is a stable sort of the id order by its key, as the sort of a listing.
            let order = |o: Ordered<'_>| -> Vec<String> {
                o.from(0).map(|(id, _)| id.to_string()).collect()
            };
            let ids = |fs: &[&Flow]| -> Vec<String> { fs.iter().map(|f| f.id.clone()).collect() };
            let mut by_name = mine.clone();
            by_name.sort_by_key(|f| f.name.to_lowercase());
            assert_eq!(order(site.ordered(SortField::Name, true)), ids(&by_name));
            let mut want_desc = mine.clone();
            want_desc.sort_by_key(|f| Reverse(f.name.to_lowercase()));
            assert_eq!(order(site.ordered(SortField::Name, false)), ids(&want_desc));
            let mut by_created = mine.clone();
            by_created.sort_by_key(|f| f.created_at.as_secs());
            assert_eq!(
                order(site.ordered(SortField::CreatedAt, true)),
                ids(&by_created)
            );
            let mut by_updated = mine.clone();
            by_updated.sort_by_key(|f| Reverse(f.updated_at.as_secs()));
            assert_eq!(
                order(site.ordered(SortField::UpdatedAt, false)),
                ids(&by_updated)
            );
            // Publishing's look-up finds the first flow in id order with the name.
            for f in &mine {
                for name in [f.name.to_ascii_uppercase(), f.name.to_uppercase()] {
                    let first = mine
                        .iter()
                        .find(|g| {
                            g.project_id == f.project_id && g.name.eq_ignore_ascii_case(&name)
                        })
                        .map(|g| g.id.as_str());
                    assert_eq!(
                        flows
                            .named_in_project(site_id, &f.project_id, &name)
                            .map(|g| g.id.as_str()),
                        first
                    );
                }
            }
        }
    }

    #[test]
    fn indexes_follow_mixed_mutations() {
        let mut rng = Lcg::new(42);
        let mut flows = Flows::default();
        let mut n = 0;
        for step in 0..3_000 {
            let ids: Vec<String> = flows.keys().map(str::to_owned).collect();
            let pick = |rng: &mut Lcg| ids[rng.below(ids.len() as u64) as usize].clone();
            match rng.below(10) {
                // Publish.
                0..=3 => {
                    n += 1;
                    flows.insert(flow(&mut rng, n));
                }
                // Delete.
                4 if !ids.is_empty() => {
                    let id = pick(&mut rng);
                    assert!(flows.remove(&id).is_some());
                }
                // Overwrite: new update time.
                5 if !ids.is_empty() => {
                    let t = Duration::from_millis(rng.below(10_000));
                    flows.update(&pick(&mut rng), |f| f.updated_at = t);
                }
                // Update: new project and owner.
                6 if !ids.is_empty() => {
                    let (p, o) = (rng.below(4), rng.below(4));
                    flows.update(&pick(&mut rng), |f| {
                        f.project_id = format!("p{p}");
                        f.owner_id = format!("u{o}");
                    });
                }
                // Rename, and a move to the other site.
                7 if !ids.is_empty() => {
                    let (name, site) = (rng.below(1000), rng.below(2));
                    flows.update(&pick(&mut rng), |f| {
                        f.name = format!("Renamed {name}");
                        f.site_id = format!("s{site}");
                    });
                }
                // Replacing a flow by one with its id.
                8 if !ids.is_empty() => {
                    n += 1;
                    let mut f = flow(&mut rng, n);
                    f.id = pick(&mut rng);
                    flows.insert(f);
                }
                _ => {
                    assert!(flows.remove("no such flow").is_none());
                    assert!(flows.update("no such flow", |_| ()).is_none());
                }
            }
            if step % 150 == 0 {
                check(&flows);
            }
        }
        check(&flows);
        assert_eq!(
            flows.len(),
            flows.sites.values().map(|s| s.ids.len()).sum::<usize>()
        );
        // Emptying the flows empties the indexes.
        for id in flows.keys().map(str::to_owned).collect::<Vec<_>>() {
            flows.remove(&id);
        }
        assert!(flows.sites.is_empty());
    }
}
