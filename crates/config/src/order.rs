//! Group and process configs in `supervisor_core::order`'s terms, so start order, stop order
//! and the reload diff are decided in one place for every caller.

use supervisor_core::order::{Named, Prioritized};

use crate::model::{GroupConfig, ProcessConfig};

impl Named for GroupConfig {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Prioritized for GroupConfig {
    fn priority(&self) -> i64 {
        self.priority
    }
}

impl Named for ProcessConfig {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Prioritized for ProcessConfig {
    fn priority(&self) -> i64 {
        self.priority
    }
}
