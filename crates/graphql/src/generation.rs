//! Deterministic batching of relationships, one statement per level.
//!
//! Every object carries the [`Generation`] it was produced with: all rows that one resolution
//! produced at its level (all counties of all cities of a province, say). The first object that
//! resolves a relationship loads it for the whole generation, and the others read the same
//! result. So a request costs one statement per level however many rows each level holds —
//! unlike a time-windowed DataLoader, which may split a level into several batches when
//! resolving it takes longer than its window.
//!
//! Each relationship is one named type implementing [`Relation`] (see [`crate::relations`]):
//! its parent row type, its arguments as a hashable key, its output type and its load
//! function. A generation keeps the loads of each relation in a typed [`Batch`] field of its
//! row type's [`Row::Batches`], so a mismatch between a field and what it reads fails to
//! compile.

use std::{collections::HashMap, future::Future, hash::Hash, ops::Deref, sync::Arc, sync::Mutex};

use async_graphql::Context;
use domain::page::Page;
use tokio::sync::OnceCell;

use crate::error::{ApiError, Result};

/// A row type that objects are made of, with the loads its generations keep.
pub trait Row: Send + Sync + Sized + 'static {
    /// One [`Batch`] per relationship of the row type (`()` when it has none).
    type Batches: Default + Send + Sync;
}

/// One relationship of a row type, loaded for a whole generation at once.
pub trait Relation: 'static {
    /// The rows the relationship starts from.
    type Parent: Row;
    /// The field's arguments, as the key that tells two loads of the relationship apart
    /// (`()` when the field has none).
    type Args: Hash + Eq + Clone + Send + Sync;
    /// What one load yields for the whole generation.
    type Output: Send + Sync + 'static;

    /// Where a generation keeps this relationship's loads.
    fn batch(batches: &<Self::Parent as Row>::Batches) -> &Batch<Self::Args, Self::Output>;

    /// Loads the relationship for every parent in one statement (or one batch).
    fn load(
        ctx: &Context<'_>,
        parents: &[Self::Parent],
        args: &Self::Args,
    ) -> impl Future<Output = Result<Self::Output>> + Send;
}

/// A value a relationship loaded, shared by every object of the generation.
///
/// Held as a trait object that is `Send + Sync` by declaration: generations nest cyclically
/// (a member's consultations' participants' members …), and proving a plain `Arc<T>` thread-safe
/// would make the compiler walk that cycle until it hits its recursion limit.
pub struct Loaded<T>(Arc<dyn Shared<T>>);

/// What [`Loaded`] holds: any thread-safe value.
trait Shared<T>: Send + Sync {
    fn value(&self) -> &T;
}

impl<T: Send + Sync> Shared<T> for T {
    fn value(&self) -> &T {
        self
    }
}

impl<T> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Deref for Loaded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        Shared::value(&*self.0)
    }
}

/// The loads of one relationship of one generation, one per distinct arguments key.
pub struct Batch<A, T> {
    loads: Mutex<HashMap<A, Arc<OnceCell<Loaded<T>>>>>,
}

impl<A, T> Default for Batch<A, T> {
    fn default() -> Self {
        Self {
            loads: Mutex::new(HashMap::new()),
        }
    }
}

impl<A: Hash + Eq + Clone, T> Batch<A, T> {
    /// The cell holding the load for `args`, created empty on first use. Every object of the
    /// generation asks, so the arguments (filters may hold strings and lists) are copied only
    /// by the first.
    fn cell(&self, args: &A) -> Result<Arc<OnceCell<Loaded<T>>>> {
        let mut loads = self.loads.lock().map_err(|_| ApiError::internal())?;
        if let Some(cell) = loads.get(args) {
            return Ok(Arc::clone(cell));
        }
        let cell = Arc::new(OnceCell::new());
        loads.insert(args.clone(), Arc::clone(&cell));
        Ok(cell)
    }
}

/// The rows of one generation of objects, and the relationships already loaded for them.
pub struct Generation<R: Row> {
    rows: Vec<R>,
    batches: R::Batches,
}

impl<R: Row> Generation<R> {
    /// A new generation over `rows`.
    pub fn new(rows: Vec<R>) -> Arc<Self> {
        Arc::new(Self {
            rows,
            batches: R::Batches::default(),
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

    /// Relationship `L` for the whole generation, loaded by the first caller for each distinct
    /// `args`; later callers get the same result.
    pub async fn load<L: Relation<Parent = R>>(
        &self,
        ctx: &Context<'_>,
        args: L::Args,
    ) -> Result<Loaded<L::Output>> {
        let cell = L::batch(&self.batches).cell(&args)?;
        let loaded = cell
            .get_or_try_init(|| async {
                let output = L::load(ctx, &self.rows, &args).await?;
                Ok::<_, ApiError>(Loaded(Arc::new(output)))
            })
            .await?;
        Ok(loaded.clone())
    }
}

/// An object made of one row of a generation: what every GraphQL object type over a table is.
pub trait Sibling: Sized {
    /// The row type.
    type Row: Row;

    /// The object for the row at `index` of `generation`.
    fn at(index: usize, generation: Arc<Generation<Self::Row>>) -> Self;

    /// The object for a generation of one (a mutation's payload, say).
    fn single(row: Self::Row) -> Self {
        Self::at(0, Generation::new(vec![row]))
    }

    /// One object per row, all of one generation.
    fn from_rows(rows: Vec<Self::Row>) -> Vec<Self> {
        let generation = Generation::new(rows);
        (0..generation.rows().len())
            .map(|index| Self::at(index, Arc::clone(&generation)))
            .collect()
    }
}

/// Pages of child rows for every parent of a generation, with the children as a generation of
/// their own (so that the next level is batched across all parents too).
pub struct Nested<C: Row> {
    /// Each parent's page, as indexes into `children`.
    pages: HashMap<i64, Page<usize>>,
    /// Every child on every page.
    children: Arc<Generation<C>>,
}

impl<C: Row> Nested<C> {
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
            children: Generation::new(rows),
        }
    }

    /// The page of `parent` as objects (empty when it has no children).
    pub fn page<N: Sibling<Row = C>>(&self, parent: i64) -> Page<N> {
        match self.pages.get(&parent) {
            Some(page) => page
                .clone()
                .map(|index| N::at(index, Arc::clone(&self.children))),
            None => Page::empty(),
        }
    }
}

/// Lists of child rows for every parent of a generation (unpaged relationships), with the
/// children as a generation of their own.
pub struct Lists<C: Row> {
    /// Each parent's list, as indexes into `children`.
    lists: HashMap<i64, Vec<usize>>,
    /// Every child of every parent.
    children: Arc<Generation<C>>,
}

impl<C: Row> Lists<C> {
    /// Flattens per-parent lists of rows into one generation of children.
    pub fn from_lists(lists: HashMap<i64, Vec<C>>) -> Self {
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
        Self {
            lists,
            children: Generation::new(rows),
        }
    }

    /// The list of `parent` as objects (empty when it has none).
    pub fn list<N: Sibling<Row = C>>(&self, parent: i64) -> Vec<N> {
        self.indexes(parent)
            .iter()
            .map(|index| N::at(*index, Arc::clone(&self.children)))
            .collect()
    }

    /// The list of `parent` as indexes into the children.
    pub fn indexes(&self, parent: i64) -> &[usize] {
        self.lists.get(&parent).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The records a generation points to (by foreign key), as a generation of their own.
pub struct Related<T: Row> {
    /// Position in `targets` of each foreign-key value.
    positions: HashMap<i64, usize>,
    /// The distinct records pointed to.
    targets: Arc<Generation<T>>,
}

impl<T: Row> Related<T> {
    /// Builds the generation from records keyed by id.
    pub fn from_map(found: HashMap<i64, T>) -> Self {
        let mut positions = HashMap::with_capacity(found.len());
        let mut rows = Vec::with_capacity(found.len());
        for (id, row) in found {
            positions.insert(id, rows.len());
            rows.push(row);
        }
        Self {
            positions,
            targets: Generation::new(rows),
        }
    }

    /// The object for the record with this id, if there is an id and it was found.
    pub fn get<N: Sibling<Row = T>>(&self, id: Option<i64>) -> Option<N> {
        let index = self.positions.get(&id?)?;
        Some(N::at(*index, Arc::clone(&self.targets)))
    }
}

/// One page of rows as one generation of objects (for root connections).
pub fn page_generation<N: Sibling>(page: Page<N::Row>) -> Page<N> {
    let (positions, rows): (Vec<u64>, Vec<N::Row>) = page.items.into_iter().unzip();
    let generation = Generation::new(rows);
    Page {
        items: positions
            .into_iter()
            .enumerate()
            .map(|(index, position)| (position, N::at(index, Arc::clone(&generation))))
            .collect(),
        total: page.total,
        has_next: page.has_next,
        has_previous: page.has_previous,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    use super::*;

    /// Counts the loads, standing in for the statements a relation issues.
    #[derive(Default)]
    struct Loads(AtomicUsize);

    /// A row with one relationship: its multiples.
    struct Number(i64);

    #[derive(Default)]
    struct NumberBatches {
        multiples: Batch<i64, HashMap<i64, i64>>,
    }

    impl Row for Number {
        type Batches = NumberBatches;
    }

    /// `Number.times(factor)`, loaded for every number of a generation at once.
    struct Times;

    impl Relation for Times {
        type Parent = Number;
        type Args = i64;
        type Output = HashMap<i64, i64>;

        fn batch(batches: &NumberBatches) -> &Batch<i64, HashMap<i64, i64>> {
            &batches.multiples
        }

        async fn load(ctx: &Context<'_>, parents: &[Number], factor: &i64) -> Result<Self::Output> {
            ctx.data::<Arc<Loads>>()?.0.fetch_add(1, Ordering::SeqCst);
            Ok(parents.iter().map(|n| (n.0, n.0 * factor)).collect())
        }
    }

    struct NumberObject {
        index: usize,
        generation: Arc<Generation<Number>>,
    }

    impl Sibling for NumberObject {
        type Row = Number;

        fn at(index: usize, generation: Arc<Generation<Number>>) -> Self {
            Self { index, generation }
        }
    }

    #[Object]
    impl NumberObject {
        async fn times(&self, ctx: &Context<'_>, factor: i64) -> Result<i64> {
            let multiples = self.generation.load::<Times>(ctx, factor).await?;
            let number = self.generation.row(self.index).0;
            multiples
                .get(&number)
                .copied()
                .ok_or_else(ApiError::internal)
        }
    }

    struct Query;

    #[Object]
    impl Query {
        async fn numbers(&self) -> Vec<NumberObject> {
            NumberObject::from_rows((1..=50).map(Number).collect())
        }
    }

    #[tokio::test]
    async fn a_generation_loads_each_relationship_once_per_distinct_arguments() {
        let loads = Arc::new(Loads::default());
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .data(Arc::clone(&loads))
            .finish();
        let response = schema
            .execute("{ numbers { double: times(factor: 2) again: times(factor: 2) triple: times(factor: 3) } }")
            .await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let data = response.data.into_json().expect("json");
        assert_eq!(data["numbers"][49]["double"], 100);
        assert_eq!(data["numbers"][49]["again"], 100);
        assert_eq!(data["numbers"][6]["triple"], 21);
        // 50 numbers × 3 fields, but two distinct argument keys: two loads.
        assert_eq!(loads.0.load(Ordering::SeqCst), 2);
    }
}
