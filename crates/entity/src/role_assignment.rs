//! `role_assignments`: a role in a region granted to a person of an identity provider, keyed by
//! the provider's (issuer, subject).

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `role_assignments`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "role_assignments")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The provider's issuer identifier (`iss`).
    #[sea_orm(column_type = "Text")]
    pub issuer: String,
    /// The person's id at that provider (`sub`).
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// `PROVINCE_STAFF`, `CITY_STAFF`, `COUNTY_STAFF`, `MEMBER` or `INTEGRATOR`.
    #[sea_orm(column_type = "Text")]
    pub role: String,
    /// The committee the role is held in.
    pub region_id: i64,
    /// For MEMBER: the member the person is.
    pub member_id: Option<i64>,
    /// Who granted it (`role:subject`, or `cli` for `xieshang grant`).
    #[sea_orm(column_type = "Text")]
    pub granted_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Foreign keys of `role_assignments`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `region_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
}

impl ActiveModelBehavior for ActiveModel {}
