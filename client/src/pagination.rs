//! Lazy iteration over every item of a paginated list.
//!
//! Each paginated endpoint's builder (Query Flows for a Site, Query Flows for User, Get Flow Runs,
//! Get Linked Tasks) has an `all()` method returning [`Pages`]: an iterator over the items of every
//! page, fetching one page at a time and holding only that page in memory.
//!
//! It ends on the first empty page; when the server sends `<pagination>`, also once the pages seen
//! cover `totalAvailable` (read afresh from every page, so a total that changes mid-way is
//! followed); and on error 400006 (page number past the end), which real servers answer instead
//! of an empty page when they send no `<pagination>` (deviation S1). Any other error is yielded
//! once and ends the iteration.
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
    type Item;
    /// The endpoint's error enum.
    type Error: EndpointError;
    /// Fetches one page.
    fn fetch_page(self, number: u32, size: u32)
    -> Result<Page<Self::Item>, CallError<Self::Error>>;
    /// The page size the builder asks for, if set.
    fn requested_page_size(&self) -> Option<u32>;
    /// The server's default page size (from the spec), used when the builder sets none.
    fn default_page_size(&self) -> u32;
    /// The page the builder starts from, if set.
    fn requested_page_number(&self) -> Option<u32>;
}

/// An iterator over every item of a paginated list, one page in memory at a time.
#[derive(Debug)]
pub struct Pages<B: Paged> {
    builder: B,
    size: u32,
    next_page: u32,
    page: std::vec::IntoIter<B::Item>,
    done: bool,
    /// Pages fetched so far.
    pages_fetched: u32,
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
        }
    }

    /// How many pages were fetched so far.
    pub fn pages_fetched(&self) -> u32 {
        self.pages_fetched
    }
}

impl<B: Paged> Iterator for Pages<B> {
    type Item = Result<B::Item, CallError<B::Error>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.page.next() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            let number = self.next_page;
            match self.builder.clone().fetch_page(number, self.size) {
                Ok(Page { items, pagination }) => {
                    self.pages_fetched += 1;
                    if items.is_empty() {
                        self.done = true;
                        return None;
                    }
                    if let Some(p) = pagination {
                        let size = u64::from(p.page_size.unwrap_or(self.size).max(1));
                        let page = u64::from(p.page_number.unwrap_or(number));
                        if let Some(total) = p.total_available
                            && page * size >= total
                        {
                            self.done = true;
                        }
                    }
                    match number.checked_add(1) {
                        Some(n) => self.next_page = n,
                        None => self.done = true,
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
