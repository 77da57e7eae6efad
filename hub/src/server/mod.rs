//! The HTTP server: TAXII 2.1 over actix-web, on the store chosen by the settings.
//!
//! [`Application::build`] does everything that can fail before serving — validates the
//! settings, opens (and migrates) the store, runs the first-start bootstrap, loads the TLS
//! files and binds — so that `accord serve` either reports the bound address or exits with the
//! reason; [`Application::run_until_stopped`] then serves until SIGINT/SIGTERM.
//!
//! Must be called inside an actix system (`actix_web::rt::System`, `#[actix_web::main]` or
//! `#[actix_web::test]`): the group-commit writer runs on its local task set.

pub mod admin;
pub mod batcher;
pub mod bootstrap;
pub mod error;
pub mod release_audit;
pub mod routes;
pub mod settlement;
pub mod tls;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::{Server, ServerHandle, Service as _};
use actix_web::{App, HttpServer, web};
use taxii::store::Store;
use tracing::Instrument as _;

use crate::auth::Authenticator;
use crate::config::{ConfigError, Limits, Settings};
use crate::store::AnyStore;
use crate::store::audit::{self, FailureRecorder};

pub use batcher::Batched;
pub use error::ApiError;

/// What every handler shares.
pub struct AppState<S> {
    pub store: S,
    pub auth: Authenticator,
    pub taxii: taxii::service::Settings,
    pub limits: Limits,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the store: {0}")]
    Store(#[from] taxii::store::StoreError),
    #[error("first-start bootstrap: {0}")]
    Bootstrap(String),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound, not yet running, server.
pub struct Application {
    server: Server,
    local_addr: SocketAddr,
    https: bool,
    store: AnyStore,
    /// The release job worker (recomputes views after rule and attribute changes).
    worker: tokio::task::JoinHandle<()>,
    /// Release records still queued are appended before the store closes.
    releases: release_audit::ReleaseRecorder,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        settings.validate()?;
        std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartError::DataDir {
            path: settings.data_dir.display().to_string(),
            source,
        })?;
        let url = settings.database_url()?;
        let store = AnyStore::open(url.expose()).await?;
        bootstrap::run(&store, &settings).await?;
        let cursor_key = store.cursor_key().await?;
        let audit_policy = audit::policy(&store, &settings.data_dir).await?;
        audit::start_checkpointer(
            store.audit(),
            Arc::clone(&audit_policy.key),
            audit::CHECKPOINT_INTERVAL,
        );
        let tls = match &settings.tls {
            Some(tls) => Some(tls::server_config(tls)?),
            None => None,
        };
        let releases =
            release_audit::ReleaseRecorder::start(store.audit(), Some(audit_policy.clone()));
        let state = web::Data::new(AppState {
            store: Batched::start(Arc::new(store.clone())).recording_releases(releases.clone()),
            auth: Authenticator::recording(FailureRecorder::start(
                store.audit(),
                Some(audit_policy),
            )),
            taxii: taxii_settings(&settings, cursor_key),
            limits: settings.limits,
        });
        let listener = TcpListener::bind(settings.listen).map_err(|source| StartError::Bind {
            addr: settings.listen,
            source,
        })?;
        let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: settings.listen,
            source,
        })?;
        let bind_error = |source| StartError::Bind {
            addr: local_addr,
            source,
        };
        let mut server = HttpServer::new(move || app(state.clone()))
            .on_connect(tls::on_connect)
            .shutdown_timeout(10);
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let https = tls.is_some();
        if !https && !local_addr.ip().is_loopback() {
            tracing::warn!(
                addr = %local_addr,
                "serving plain HTTP off loopback (--insecure): tokens cross the network in clear \
                 unless a TLS proxy is in front"
            );
        }
        let server = match tls {
            Some(config) => server
                .listen_rustls_0_23(listener, config)
                .map_err(bind_error)?,
            None => server.listen(listener).map_err(bind_error)?,
        }
        .run();
        let worker = actix_web::rt::spawn(crate::fanout::jobs::worker(store.clone()));
        Ok(Application {
            server,
            local_addr,
            https,
            store,
            worker,
            releases,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT` or `https://…`.
    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.local_addr)
    }

    /// A handle to stop the server from elsewhere (tests).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGINT, SIGTERM or [`ServerHandle::stop`]), then closes the
    /// store's connections.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.worker.abort();
        self.releases.flush().await;
        self.store.close().await;
        result
    }
}

fn taxii_settings(
    settings: &Settings,
    cursor_key: taxii::cursor::CursorKey,
) -> taxii::service::Settings {
    taxii::service::Settings {
        cursor_key,
        page_limit: settings.limits.page_limit,
        max_envelope_objects: settings.limits.max_objects_per_envelope,
        max_string_length: settings.limits.max_string_length,
        max_content_length: settings.limits.max_content_length,
        ..taxii::service::Settings::default()
    }
}

/// The actix application: routes, the TAXII 404 for everything else, and one tracing span per
/// request carrying the method, the path and the partner (once authenticated).
fn app<S: Store + admin::ReleaseAdmin + 'static>(
    state: web::Data<AppState<S>>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NoRoute.into()))
        .configure(routes::configure::<S>)
        .configure(admin::configure::<S>)
        .configure(settlement::configure::<S>)
        .default_service(web::to(routes::no_route))
        .wrap_fn(|req, srv| {
            let span = tracing::info_span!(
                "request",
                method = %req.method(),
                path = %req.path(),
                partner = tracing::field::Empty,
            );
            let started = Instant::now();
            let response = span.in_scope(|| srv.call(req));
            async move {
                let response = response.await;
                let status = match &response {
                    Ok(r) => r.status().as_u16(),
                    Err(e) => e.as_response_error().status_code().as_u16(),
                };
                // An access line per request is debugging detail at thousands of requests per
                // second (and would stall a server whose standard error nobody drains); failures
                // are logged where they are decided (auth refusals, server errors).
                tracing::debug!(
                    status,
                    micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
                    "request"
                );
                response
            }
            .instrument(span)
        })
}
