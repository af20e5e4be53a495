//! `region_closure`: the transitive closure of the region tree, each region with itself at
//! depth 0, so "this region and everything below it" is
//! `region_id IN (SELECT descendant_id FROM region_closure WHERE ancestor_id = ?)`.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `region_closure`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "region_closure")]
pub struct Model {
    /// The region above (or the region itself at depth 0).
    #[sea_orm(primary_key, auto_increment = false)]
    pub ancestor_id: i64,
    /// The region below (or the region itself at depth 0).
    #[sea_orm(primary_key, auto_increment = false)]
    pub descendant_id: i64,
    /// Number of tiers between the two; 0 = itself.
    pub depth: i32,
}

/// Foreign keys of `region_closure`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `ancestor_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::AncestorId",
        to = "super::region::Column::Id"
    )]
    Ancestor,
    /// `descendant_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::DescendantId",
        to = "super::region::Column::Id"
    )]
    Descendant,
}

impl ActiveModelBehavior for ActiveModel {}
