//! Lazy iteration over every item of a paginated list.
//!
//! Each paginated endpoint's builder (Query Flows for a Site, Query Flows for User, Get Flow Runs,
//! Get Linked Tasks) has an `all()` method returning [`Pages`]: an iterator over the items of every
//! page. It overlaps fetching and consuming: as soon as a page arrives, the next one is asked for
//! on another thread while the caller works through this one, so a list of many pages costs about
//! one round trip per page less than fetching them strictly one after another. It holds at most
//! two pages: the one being consumed and the one on its way.
//!
//! It ends on the first empty page; when the server sends `<pagination>`, also once the pages seen
//! cover `totalAvailable` (read afresh from every page, so a total that changes mid-way is
//! followed); and on error 400006 (page number past the end), which real servers answer instead
//! of an empty page when they send no `<pagination>` (deviation S1). Any other error is yielded
//! once and ends the iteration.
//!
//! A server can claim a total as large as it likes (`totalAvailable="1000000000"` with one item
//! per page): [`Pages::limit`] (or [`Paged::limit`]) bounds the items, and no page beyond what
//! the limit needs is fetched, not even ahead.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
//! for flow in client.query_flows_for_site().page_size(500).all() {
//!     let flow = flow?;
//!     println!("{}", flow.id);
//! }
//! # Ok(()) }
//! ```

use crate::error::{CallError, EndpointError};
use crate::{ErrorCode, Pagination};

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// Where it stands, when the server said.
    pub pagination: Option<Pagination>,
}

/// A request builder of a paginated list (generated for every paginated endpoint).
pub trait Paged: Clone {
    /// The listed item.
    type Item: Send + 'static;
    /// The endpoint's error enum.
    type Error: EndpointError;
    /// The same request, holding a handle of the client instead of borrowing it, so that a page
    /// can be fetched on another thread.
    type Detached: Paged<Item = Self::Item, Error = Self::Error> + Send + 'static;
    /// The same request as a [`Detached`](Paged::Detached) one.
    fn detach(&self) -> Self::Detached;
    /// Fetches one page.
    fn fetch_page(self, number: u32, size: u32)
    -> Result<Page<Self::Item>, CallError<Self::Error>>;
    /// The page size the builder asks for, if set.
    fn requested_page_size(&self) -> Option<u32>;
    /// The server's default page size (from the spec), used when the builder sets none.
    fn default_page_size(&self) -> u32;
    /// The page the builder starts from, if set.
    fn requested_page_number(&self) -> Option<u32>;

    /// Every item, as [`Pages`], but at most `items` of them: no page beyond what they need is
    /// fetched ([`Pages::limit`]).
    ///
    /// ```no_run
    /// use tableau_flows::pagination::Paged;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
    /// // The first 250 flows, in three pages of 100 (and no fourth page asked for).
    /// for flow in client.query_flows_for_site().limit(250) {
    ///     println!("{}", flow?.id);
    /// }
    /// # Ok(()) }
    /// ```
    fn limit(self, items: u64) -> Pages<Self>
    where
        Self: Sized,
    {
        Pages::new(self).limit(items)
    }
}

/// A page being fetched on another thread: its number and the thread.
type Ahead<T, E> = (u32, std::thread::JoinHandle<Result<Page<T>, CallError<E>>>);

/// An iterator over every item of a paginated list, fetching the next page while the current one
/// is consumed (at most two pages in memory).
#[derive(Debug)]
pub struct Pages<B: Paged> {
    builder: B,
    size: u32,
    next_page: u32,
    page: std::vec::IntoIter<B::Item>,
    done: bool,
    /// Pages fetched so far.
    pages_fetched: u32,
    /// The next pages, on their way, in order.
    ahead: std::collections::VecDeque<Ahead<B::Item, B::Error>>,
    /// How many pages may be on their way at once.
    in_flight: u32,
    /// The last page, once a `<pagination>` total said.
    last_page: Option<u64>,
    /// The most items to yield, if limited.
    limit: Option<u64>,
    /// Items received in the pages fetched so far.
    items_fetched: u64,
    /// Items yielded so far.
    items_yielded: u64,
}

impl<B: Paged> Pages<B> {
    /// Iterates from the builder's page (default 1) with its page size (default: the server's).
    pub fn new(builder: B) -> Self {
        Pages {
            size: builder
                .requested_page_size()
                .unwrap_or_else(|| builder.default_page_size()),
            next_page: builder.requested_page_number().unwrap_or(1),
            builder,
            page: Vec::new().into_iter(),
            done: false,
            pages_fetched: 0,
            ahead: Default::default(),
            in_flight: 1,
            last_page: None,
            limit: None,
            items_fetched: 0,
            items_yielded: 0,
        }
    }

    /// Yields at most `items` items, then ends; no page beyond what they need is fetched (none
    /// is asked for ahead once the pages received hold enough), so a server claiming a total
    /// of a billion items costs no more than the pages the limit needs. 0 fetches nothing.
    ///
    /// ```no_run
    /// use tableau_flows::pagination::Pages;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
    /// let mut first = Pages::new(client.query_flows_for_site().page_size(10)).limit(25);
    /// let flows = first.by_ref().collect::<Result<Vec<_>, _>>()?;
    /// assert!(flows.len() <= 25);
    /// assert!(first.pages_fetched() <= 3);
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, items: u64) -> Self {
        self.limit = Some(items);
        self
    }

    /// How many items were yielded so far.
    pub fn items_yielded(&self) -> u64 {
        self.items_yielded
    }

    /// Whether the pages received hold every item the limit allows.
    fn enough(&self) -> bool {
        self.limit.is_some_and(|limit| self.items_fetched >= limit)
    }

    /// How many pages may be on their way while the caller works through the current one
    /// (default 1: the next). More than one are asked for only once the server's
    /// `<pagination>` says how many pages there are, and each holds memory until it is
    /// consumed; 0 fetches strictly one page after another.
    pub fn in_flight(mut self, pages: u32) -> Self {
        self.in_flight = pages;
        self
    }

    /// How many pages were fetched so far (the one on its way not counted).
    pub fn pages_fetched(&self) -> u32 {
        self.pages_fetched
    }

    /// Asks for the pages after the current one, up to the allowed number in flight (and to
    /// the last page, when known; only the next one when not).
    fn fetch_ahead(&mut self) {
        let wanted = match self.last_page {
            Some(_) => self.in_flight,
            None => self.in_flight.min(1),
        };
        while (self.ahead.len() as u32) < wanted {
            let number = match self.ahead.back() {
                Some((n, _)) => match n.checked_add(1) {
                    Some(n) => n,
                    None => return,
                },
                None => self.next_page,
            };
            if self.last_page.is_some_and(|last| u64::from(number) > last) {
                return;
            }
            // With a limit, only a page the limit still needs once the pages before it arrive
            // (each counted as full).
            let before = u64::from(number.saturating_sub(self.next_page)) * u64::from(self.size);
            if self
                .limit
                .is_some_and(|limit| self.items_fetched.saturating_add(before) >= limit)
            {
                return;
            }
            let request = self.builder.detach();
            let size = self.size;
            let spawned = std::thread::Builder::new()
                .name("tableau-flows-page".into())
                .spawn(move || request.fetch_page(number, size));
            match spawned {
                Ok(handle) => self.ahead.push_back((number, handle)),
                // Without a thread, the page is fetched when it is needed.
                Err(_) => return,
            }
        }
    }

    /// Page `number`: the one on its way, or fetched now.
    fn fetch(&mut self, number: u32) -> Result<Page<B::Item>, CallError<B::Error>> {
        match self.ahead.pop_front() {
            Some((ahead, handle)) if ahead == number => {
                if let Ok(result) = handle.join() {
                    return result;
                }
            }
            // Out of step (never expected): what is on its way is dropped.
            Some(_) => self.ahead.clear(),
            None => {}
        }
        self.builder.clone().fetch_page(number, self.size)
    }
}

impl<B: Paged> Iterator for Pages<B> {
    type Item = Result<B::Item, CallError<B::Error>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.limit.is_some_and(|limit| self.items_yielded >= limit) {
                self.done = true;
                self.ahead.clear();
                return None;
            }
            if let Some(item) = self.page.next() {
                self.items_yielded += 1;
                return Some(Ok(item));
            }
            if self.done || self.enough() {
                self.done = true;
                return None;
            }
            let number = self.next_page;
            match self.fetch(number) {
                Ok(Page { items, pagination }) => {
                    self.pages_fetched += 1;
                    self.items_fetched += items.len() as u64;
                    if items.is_empty() {
                        self.done = true;
                        return None;
                    }
                    if let Some(p) = pagination {
                        let size = u64::from(p.page_size.unwrap_or(self.size).max(1));
                        let page = u64::from(p.page_number.unwrap_or(number));
                        if let Some(total) = p.total_available {
                            // Read afresh from every page: a total that changes is followed.
                            self.last_page = Some(total.div_ceil(size));
                            if page * size >= total {
                                self.done = true;
                            }
                        }
                    }
                    match number.checked_add(1) {
                        Some(n) => self.next_page = n,
                        None => self.done = true,
                    }
                    if self.done || self.enough() {
                        self.ahead.clear();
                    } else {
                        // The next page travels while the caller works through this one.
                        self.fetch_ahead();
                    }
                    self.page = items.into_iter();
                }
                Err(e) if e.code() == Some(ErrorCode::InvalidPageNumber) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow_runs::GetFlowRunsError;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Mutex};

    /// A list claiming a total of a billion items, `size` per page, recording the pages asked for.
    #[derive(Clone)]
    struct Endless {
        size: u32,
        asked: Arc<Mutex<Vec<u32>>>,
        calls: Arc<AtomicU32>,
    }

    impl Paged for Endless {
        type Item = u64;
        type Error = GetFlowRunsError;
        type Detached = Endless;
        fn detach(&self) -> Self::Detached {
            self.clone()
        }
        fn fetch_page(self, number: u32, size: u32) -> Result<Page<u64>, CallError<Self::Error>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.asked.lock().unwrap().push(number);
            let first = u64::from(number - 1) * u64::from(size);
            Ok(Page {
                items: (first..first + u64::from(size)).collect(),
                pagination: Some(Pagination {
                    page_number: Some(number),
                    page_size: Some(size),
                    total_available: Some(1_000_000_000),
                }),
            })
        }
        fn requested_page_size(&self) -> Option<u32> {
            Some(self.size)
        }
        fn default_page_size(&self) -> u32 {
            100
        }
        fn requested_page_number(&self) -> Option<u32> {
            None
        }
    }

    fn endless(size: u32) -> Endless {
        Endless {
            size,
            asked: Arc::default(),
            calls: Arc::default(),
        }
    }

    #[test]
    fn a_limit_fetches_no_page_beyond_what_it_needs() {
        for (size, limit, pages) in [(1, 5, 5), (10, 25, 3), (10, 30, 3), (10, 1, 1), (3, 0, 0)] {
            let list = endless(size);
            let mut iter = list.clone().limit(limit).in_flight(4);
            let items: Vec<u64> = iter.by_ref().map(Result::unwrap).collect();
            assert_eq!(items, (0..limit).collect::<Vec<_>>(), "{size} {limit}");
            assert_eq!(iter.items_yielded(), limit);
            assert_eq!(iter.pages_fetched(), pages, "{size} {limit}");
            assert_eq!(iter.next().map(|r| r.is_ok()), None, "ended");
            // Nothing was asked for ahead, even with pages in flight allowed.
            std::thread::sleep(std::time::Duration::from_millis(50));
            let mut asked = list.asked.lock().unwrap().clone();
            asked.sort_unstable();
            assert_eq!(asked, (1..=pages).collect::<Vec<_>>(), "{size} {limit}");
        }
    }

    #[test]
    fn without_a_limit_a_claimed_billion_goes_on() {
        let list = endless(1);
        let items: Vec<u64> = Pages::new(list.clone())
            .take(50)
            .map(Result::unwrap)
            .collect();
        assert_eq!(items.len(), 50);
        assert!(list.calls.load(Ordering::SeqCst) >= 50);
    }
}
