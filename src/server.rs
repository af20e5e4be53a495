//! `xieshang serve`: migrate, load start-up data into an empty database, listen, and shut down
//! gracefully on SIGINT/SIGTERM.

use domain::seed::{self, DivisionSet, NoProgress};

use crate::{
    app::{AppState, RouterOptions, router},
    auth::secret,
    commands::connect,
    config::{AuthConfig, DatabaseConfig, ServerConfig},
    single_process,
};

/// Runs the service until a shutdown signal arrives.
pub async fn serve(
    database: DatabaseConfig,
    server: ServerConfig,
    auth: AuthConfig,
) -> anyhow::Result<()> {
    let secret = secret::resolve(&auth, &database)?;
    let db = connect(&database).await?;
    let _process_lock = if database.is_embedded() {
        Some(single_process::lock_sqlite_file(&database.sqlite_path)?)
    } else {
        None
    };
    db.migrate().await?;
    prepare_data(&db, server.demo).await?;

    let state = AppState::with_quotas(db.clone(), secret, server.quotas);
    let options = RouterOptions {
        cors_origins: server.cors_origins.clone(),
        request_timeout: server.request_timeout,
        trusted_proxies: server.trusted_proxies.clone(),
        public_topics_per_hour: server.public_topics_per_hour,
    };
    let app = router(state, &options);
    let listener = tokio::net::TcpListener::bind(server.listen)
        .await
        .map_err(|error| anyhow::anyhow!("XIESHANG_LISTEN={}: {error}", server.listen))?;
    tracing::info!(
        "xieshang listening on http://{} (GraphiQL at /, GraphQL at /graphql)",
        listener.local_addr()?
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("shutting down: HTTP drained, closing the database");
    db.close().await;
    Ok(())
}

/// On an empty database: the Zhejiang divisions, and the demo data when enabled.
async fn prepare_data(db: &domain::Db, demo: bool) -> anyhow::Result<()> {
    if seed::ensure_empty(db).await.is_err() {
        return Ok(());
    }
    tracing::info!("empty database: loading the Zhejiang divisions");
    seed::load_divisions(db, DivisionSet::Zhejiang, &mut NoProgress).await?;
    if demo {
        tracing::info!("loading the demo data set (XIESHANG_DEMO is on)");
        let summary = seed::load_demo(db, &mut NoProgress).await?;
        tracing::info!(
            members = summary.members,
            lounges = summary.lounges,
            consultations = summary.consultations,
            "demo data loaded"
        );
    }
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
