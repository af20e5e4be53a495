//! Process-wide services the resolvers use besides the database, attached once as schema data.

use std::sync::Arc;

/// What the notification mutations need from the process: the adapters that send
/// (`sendTestNotification`) and whether targets may point at internal addresses.
#[derive(Clone)]
pub struct Services {
    /// Finds the adapter that sends to a target of a given kind.
    pub adapters: Arc<dyn notify::AdapterRegistry>,
    /// `XIESHANG_ALLOW_PRIVATE_TARGETS`: accept targets on loopback or private addresses.
    pub allow_private_targets: bool,
    /// `XIESHANG_MAX_TARGETS_PER_OWNER` and `XIESHANG_MAX_TARGETS_PER_REGION`.
    pub target_limits: domain::write::notification_targets::TargetLimits,
}

impl Default for Services {
    /// Adapters that only record messages, and no internal targets: safe wherever the server
    /// has not configured real adapters.
    fn default() -> Self {
        Self {
            adapters: Arc::new(notify::InMemoryAdapter::default()),
            allow_private_targets: false,
            target_limits: Default::default(),
        }
    }
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("allow_private_targets", &self.allow_private_targets)
            .field("target_limits", &self.target_limits)
            .finish_non_exhaustive()
    }
}
