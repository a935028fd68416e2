//! Settings caches that follow other replicas at once: LISTEN/NOTIFY on the settings
//! writes of this schema.

use std::time::Duration;

use leveling_core::Leveling;
use sqlx::postgres::PgListener;

use crate::{PostgresStore, sql};

impl PostgresStore {
    /// Keeps `leveling`'s settings cache in step with every process on this database
    /// and schema: each settings write sends a notification at its commit, and this
    /// future, on its own connection, applies what changed as soon as one arrives
    /// ([`Leveling::poll_settings`]). It also polls every `fallback` (a notification
    /// sent while its connection was down is lost; the poll catches up), and runs until
    /// dropped: spawn it beside the engine.
    ///
    /// ```no_run
    /// # async fn demo(store: leveling_storage_postgres::PostgresStore, leveling: leveling_core::Leveling) {
    /// tokio::spawn(store.follow_settings(leveling, leveling_core::DEFAULT_SETTINGS_POLL));
    /// # }
    /// ```
    pub fn follow_settings(
        &self,
        leveling: Leveling,
        fallback: Duration,
    ) -> impl Future<Output = ()> + Send + 'static {
        let pool = self.pool.clone();
        async move {
            let mut listener = None;
            loop {
                if listener.is_none() {
                    listener = listen(&pool).await;
                }
                let notified = async {
                    match listener.as_mut() {
                        // `None`: the connection was lost (it reconnects on the next call).
                        Some(listener) => matches!(listener.try_recv().await, Ok(Some(_))),
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    notified = notified => {
                        if !notified {
                            // Lost or failed: listen afresh after a pause, poll meanwhile.
                            listener = None;
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    }
                    () = tokio::time::sleep(fallback) => {}
                }
                if let Err(error) = leveling.poll_settings().await {
                    tracing::warn!(%error, "following settings changes failed");
                }
            }
        }
    }
}

async fn listen(pool: &sqlx::PgPool) -> Option<PgListener> {
    let result = async {
        let channel: String = sqlx::query_scalar(sql::SETTINGS_CHANNEL)
            .fetch_one(pool)
            .await?;
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(&channel).await?;
        Ok::<_, sqlx::Error>(listener)
    }
    .await;
    match result {
        Ok(listener) => Some(listener),
        Err(error) => {
            tracing::warn!(%error, "cannot LISTEN for settings changes; polling only");
            None
        }
    }
}
