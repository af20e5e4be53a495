//! `xieshang serve`: migrate, load start-up data into an empty database, listen, and shut down
//! gracefully on SIGINT/SIGTERM.

use std::{sync::Arc, time::Duration};

use domain::feed::FeedOptions;
use notify::{AdapterConfig, DispatchOptions, Dispatcher, HttpAdapters};
use seed::{DivisionSet, NoProgress};

use crate::{
    app::{AppState, RouterOptions, router},
    auth::{Verifier, oidc, secret},
    commands::connect,
    config::{AuthConfig, DatabaseConfig, NotifyConfig, ServerConfig},
    single_process,
};

/// Runs the service until a shutdown signal arrives.
pub async fn serve(
    database: DatabaseConfig,
    server: ServerConfig,
    auth: AuthConfig,
    notifications: NotifyConfig,
) -> anyhow::Result<()> {
    // Before anything records: series recorded earlier would be lost.
    let metrics = server
        .metrics_listen
        .map(|listen| crate::monitoring::install().map(|handle| (listen, handle)))
        .transpose()?;
    let secret = secret::resolve(&auth, &database)?;
    let db = connect(&database).await?;
    let _process_lock = if database.is_embedded() {
        Some(single_process::lock_sqlite_file(&database.sqlite_path)?)
    } else {
        None
    };
    db.migrate().await?;
    prepare_data(&db, server.demo).await?;

    let public_url = notifications
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", server.listen));
    let adapters = Arc::new(HttpAdapters::new(AdapterConfig {
        dingtalk_base_url: notifications.dingtalk_base_url.clone(),
        wecom_base_url: notifications.wecom_base_url.clone(),
        public_url,
        timeout: notifications.timeout,
        allow_private_targets: notifications.allow_private_targets,
        graphiql_links: server.introspection.serves_graphiql(),
    })?);
    let services = graphql::Services {
        adapters: adapters.clone(),
        allow_private_targets: notifications.allow_private_targets,
        target_limits: notifications.target_limits,
    };
    let provider = match auth.oidc.clone() {
        Some(oidc) => {
            let issuer = oidc.issuer.clone();
            let provider = oidc::Provider::connect(oidc)
                .await
                .map_err(|error| anyhow::anyhow!("XIESHANG_OIDC_ISSUER={issuer}: {error}"))?;
            tracing::info!(%issuer, "accepting tokens of the OpenID Connect provider");
            Some(Arc::new(provider))
        }
        None => None,
    };
    let verifier = Verifier::new(secret, provider).with_max_ttl(auth.token_max_ttl);
    let state = AppState::with_services(db.clone(), verifier, server.quotas, services);
    state.preload().await?;
    let options = RouterOptions {
        cors_origins: server.cors_origins.clone(),
        request_timeout: server.request_timeout,
        trusted_proxies: server.trusted_proxies.clone(),
        public_topics_per_hour: server.public_topics_per_hour,
        websocket: server.websocket.clone(),
        budgets: server.budgets.clone(),
        introspection: server.introspection,
        persisted: server.persisted.clone(),
        public_cache_max_age: server.public_cache_max_age,
        ready_heartbeat_max_age: server.ready_heartbeat_max_age,
        upload_max_bytes: server.upload_max_bytes,
        import_limits: server.import_limits.clone(),
    };
    let feed = state.start_feed(FeedOptions {
        retention: Some(notifications.event_retention),
        replay_per_second: Some(server.websocket.replay_per_second),
        ..FeedOptions::default()
    });
    let dispatcher = Dispatcher::start(
        db.clone(),
        adapters,
        feed.latest(),
        DispatchOptions {
            heartbeat: state.heartbeats().dispatcher.clone(),
            ..dispatch_options(&notifications)
        },
    );
    let (stop_pruning, pruning_stopped) = tokio::sync::watch::channel(false);
    let pruning = tokio::spawn(domain::import_jobs::prune_periodically(
        db.clone(),
        server.import_job_retention,
        IMPORT_JOB_PRUNE_EVERY,
        pruning_stopped,
    ));
    let (stop_metrics, metrics_stopped) = tokio::sync::watch::channel(false);
    let metrics_task = match metrics {
        Some((listen, handle)) => {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|error| anyhow::anyhow!("XIESHANG_METRICS_LISTEN={listen}: {error}"))?;
            tracing::info!(
                "metrics at http://{}/metrics (XIESHANG_METRICS_LISTEN)",
                listener.local_addr()?
            );
            let mut stopped = metrics_stopped;
            Some(tokio::spawn(crate::monitoring::serve(
                listener,
                handle,
                db.clone(),
                async move {
                    let _ = stopped.wait_for(|stopped| *stopped).await;
                },
            )))
        }
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(server.listen)
        .await
        .map_err(|error| anyhow::anyhow!("XIESHANG_LISTEN={}: {error}", server.listen))?;
    tracing::info!(
        "xieshang listening on http://{} (GraphiQL at /, GraphQL at /graphql)",
        listener.local_addr()?
    );
    run(listener, state, options, shutdown_signal()).await?;
    stop_metrics.send_replace(true);
    stop_pruning.send_replace(true);
    let _ = pruning.await;
    if let Some(task) = metrics_task
        && let Ok(Err(error)) = task.await
    {
        tracing::warn!(%error, "the metrics listener failed");
    }
    tracing::info!("shutting down: HTTP drained, stopping the dispatcher");
    dispatcher.shutdown().await;
    tracing::info!("shutting down: dispatcher stopped, closing the database");
    db.close().await;
    Ok(())
}

/// The dispatcher's settings from the environment; one send may take the notification timeout
/// but never more than a third of the lease, so a slow receiver cannot outlive a lease.
fn dispatch_options(notifications: &NotifyConfig) -> DispatchOptions {
    let defaults = DispatchOptions::default();
    DispatchOptions {
        lease: notifications.lease,
        max_attempts: i32::try_from(notifications.max_attempts).unwrap_or(i32::MAX),
        backoff_base: notifications.backoff_base,
        robot_messages_per_minute: notifications.robot_messages_per_minute,
        send_timeout: notifications.timeout.min(notifications.lease / 3),
        ..defaults
    }
}

/// How often finished import jobs past their retention are deleted.
const IMPORT_JOB_PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// How long shutdown waits for WebSockets to finish closing.
const WEBSOCKET_CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Serves the production router over `state` on `listener` until `signal` resolves, then shuts
/// down gracefully: HTTP requests in flight are drained while every open WebSocket is told to
/// close with 1001 (axum does not drain upgraded connections), those are waited for (up to
/// five seconds), and the event feed stops. Tests run the server through this too.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    options: RouterOptions,
    signal: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone(), &options);
    let stopping = state.clone();
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        signal.await;
        stopping.begin_shutdown();
    })
    .await?;
    if !state.websockets_closed(WEBSOCKET_CLOSE_WAIT).await {
        tracing::warn!("shutting down: some WebSockets did not close in time");
    }
    state.stop_feed();
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
