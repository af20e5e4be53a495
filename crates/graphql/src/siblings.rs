//! Deterministic batching of one-to-many relationships.
//!
//! Every object carries the [`Siblings`] it was produced with: all objects that one resolution
//! produced at its level (all counties of all cities of a province, say). The first sibling that
//! resolves a relationship loads it for the whole generation in one statement, and the others
//! read the same result. So a request costs one statement per level however many rows each
//! level holds — unlike a time-windowed DataLoader, which may split a level into several
//! batches when resolving it takes longer than its window.

use std::{
    any::Any,
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
};

use domain::{DomainError, page::Page};
use tokio::sync::OnceCell;

use crate::{ErrorCode, domain_error};

type Loaded = Arc<dyn Any + Send + Sync>;

/// The rows of one generation of objects, and the relationships already loaded for them.
pub struct Siblings<R> {
    rows: Vec<R>,
    loads: Mutex<HashMap<String, Arc<OnceCell<Loaded>>>>,
}

impl<R> Siblings<R> {
    /// A new generation over `rows`.
    pub fn new(rows: Vec<R>) -> Arc<Self> {
        Arc::new(Self {
            rows,
            loads: Mutex::new(HashMap::new()),
        })
    }

    /// Every row of the generation.
    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    /// The row at `index`.
    pub fn row(&self, index: usize) -> &R {
        &self.rows[index]
    }

    /// Loads a relationship for the whole generation once per distinct `key` (field name and
    /// arguments), with `load` given every row; later callers get the same result.
    pub async fn load<'a, T, F, Fut>(
        &'a self,
        key: String,
        load: F,
    ) -> async_graphql::Result<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce(&'a [R]) -> Fut,
        Fut: Future<Output = Result<T, DomainError>>,
    {
        let cell = {
            let mut loads = self
                .loads
                .lock()
                .map_err(|_| ErrorCode::Internal.error("internal error"))?;
            Arc::clone(loads.entry(key).or_default())
        };
        let loaded = cell
            .get_or_try_init(|| async {
                load(&self.rows)
                    .await
                    .map(|value| Arc::new(value) as Loaded)
                    .map_err(|error| domain_error(&error))
            })
            .await?;
        Arc::clone(loaded)
            .downcast::<T>()
            .map_err(|_| ErrorCode::Internal.error("internal error"))
    }
}

/// Pages of child rows for every parent of a generation, with the children as a generation of
/// their own (so that the next level is batched across all parents too).
pub struct Nested<C> {
    /// Each parent's page, as indexes into `children`.
    pub pages: HashMap<i64, Page<usize>>,
    /// Every child on every page.
    pub children: Arc<Siblings<C>>,
}

impl<C> Nested<C> {
    /// Flattens per-parent pages of rows into one generation of children.
    pub fn from_pages(pages: HashMap<i64, Page<C>>) -> Self {
        let mut rows = Vec::new();
        let pages = pages
            .into_iter()
            .map(|(parent, page)| {
                let page = page.map(|row| {
                    rows.push(row);
                    rows.len() - 1
                });
                (parent, page)
            })
            .collect();
        Self {
            pages,
            children: Siblings::new(rows),
        }
    }

    /// Flattens per-parent lists of rows into one generation of children.
    pub fn from_lists(lists: HashMap<i64, Vec<C>>) -> (HashMap<i64, Vec<usize>>, Arc<Siblings<C>>) {
        let mut rows = Vec::new();
        let lists = lists
            .into_iter()
            .map(|(parent, list)| {
                let indexes = list
                    .into_iter()
                    .map(|row| {
                        rows.push(row);
                        rows.len() - 1
                    })
                    .collect();
                (parent, indexes)
            })
            .collect();
        (lists, Siblings::new(rows))
    }

    /// The page of `parent` (empty when it has no children).
    pub fn page(&self, parent: i64) -> Page<usize> {
        self.pages.get(&parent).cloned().unwrap_or_else(Page::empty)
    }
}

/// The records a generation points to (by foreign key), as a generation of their own.
pub struct Related<T> {
    /// Position in `targets` of each foreign-key value.
    pub positions: HashMap<i64, usize>,
    /// The distinct records pointed to.
    pub targets: Arc<Siblings<T>>,
}

impl<T> Related<T> {
    /// Builds the generation from records keyed by id.
    pub fn from_map(found: HashMap<i64, T>) -> Self {
        let mut positions = HashMap::new();
        let mut rows = Vec::new();
        for (id, row) in found {
            positions.insert(id, rows.len());
            rows.push(row);
        }
        Self {
            positions,
            targets: Siblings::new(rows),
        }
    }

    /// The position of the record with this id, if it was found.
    pub fn position(&self, id: Option<i64>) -> Option<usize> {
        id.and_then(|id| self.positions.get(&id).copied())
    }
}

/// One page of rows as one generation of nodes (for root connections).
pub fn page_generation<R, N>(
    page: Page<R>,
    make: impl Fn(usize, Arc<Siblings<R>>) -> N,
) -> Page<N> {
    let (positions, rows): (Vec<u64>, Vec<R>) = page.items.into_iter().unzip();
    let siblings = Siblings::new(rows);
    Page {
        items: positions
            .into_iter()
            .enumerate()
            .map(|(index, position)| (position, make(index, Arc::clone(&siblings))))
            .collect(),
        total: page.total,
        has_next: page.has_next,
        has_previous: page.has_previous,
    }
}
