//! `importJob`: polling a roster import.

use async_graphql::{Context, ID, Object};
use domain::{Actor, Db};

use crate::{
    error::Result, generation::Sibling, mutation::database_id, types::import_job::ImportJob,
};

/// Import jobs.
#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// An import job started with `importRecords`; null when it does not exist or the caller
    /// may not see it (only its starter and staff covering their committee may).
    async fn import_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global ID.")] id: ID,
    ) -> Result<Option<ImportJob>> {
        let number = database_id(&id, "ImportJob")?;
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<Actor>()?;
        let mut found = domain::import_jobs::by_ids(db, actor, &[number]).await?;
        Ok(found.remove(&number).map(ImportJob::single))
    }
}
