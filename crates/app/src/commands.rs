//! A person's command: run in its own transaction, then the reactions it queued are drained so
//! that the person sees the consequences of their own command.

use cqrs_es::Aggregate;
use kernel::DomainError;
use store::{Cqrs, FactNeeds, Facts};

use crate::runner::CommandCall;
use crate::{AppError, AppState};

impl CommandCall<'_> {
    /// Runs `command` on stream `id` of aggregate `A` (see
    /// [`CommandCall::execute_with_facts`]), then drains the reactions it queued.
    pub async fn run<A>(
        &self,
        state: &AppState,
        cqrs: &Cqrs<A>,
        id: &str,
        must_exist: bool,
        name: &str,
        command: A::Command,
    ) -> Result<(), AppError>
    where
        A: Aggregate,
        A::Error: DomainError,
        A::Command: Clone + Send,
    {
        self.run_with_facts(
            state,
            cqrs,
            id,
            must_exist,
            name,
            FactNeeds::none(),
            move |_| Ok(command.clone()),
        )
        .await
    }

    /// Runs the command `build` makes from the cross-stream facts `needs` names, read inside the
    /// command's own transaction under their locks (see [`store::FactNeeds`]), then drains the
    /// reactions it queued. Rules that span streams are checked this way, on the ledger's own
    /// figures, never on a view read earlier.
    #[allow(clippy::too_many_arguments)]
    pub async fn run_with_facts<A, F>(
        &self,
        state: &AppState,
        cqrs: &Cqrs<A>,
        id: &str,
        must_exist: bool,
        name: &str,
        needs: FactNeeds,
        build: F,
    ) -> Result<(), AppError>
    where
        A: Aggregate,
        A::Error: DomainError,
        F: FnMut(&Facts) -> Result<A::Command, AppError> + Send,
    {
        let committed = self
            .execute_with_facts(state, cqrs, id, must_exist, name, needs, build)
            .await?;
        if self.caused_by.is_none() && committed.queued > 0 {
            if let Err(e) = crate::reactions::drain(state).await {
                tracing::warn!(error = %e, "drain after command failed; the background drain retries");
            }
        }
        Ok(())
    }
}
