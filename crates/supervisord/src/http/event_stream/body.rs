//! The event stream's response body: an endless sequence of SSE messages read from one
//! subscription, with a keep-alive comment when nothing was sent for a while.
//!
//! hyper asks for the next message only when its write queue for the connection has room, so a
//! client that stops reading stops its stream where it is: it holds its cursor and the few
//! messages queued, never a copy of what came since. When it reads again it continues, through
//! a `reset` if the journal has moved past it meanwhile.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;

use super::wire;
use crate::events::{Delivery, EventSubscription};

/// How long a stream stays silent before a keep-alive comment. The timer exists only while the
/// client is connected, and restarts after every message.
pub const KEEP_ALIVE_AFTER: Duration = Duration::from_secs(15);

/// The next message of `subscription`: an event, a reset, or a keep-alive after
/// [`KEEP_ALIVE_AFTER`] without either.
async fn next_message(subscription: &mut EventSubscription) -> Bytes {
    tokio::select! {
        delivery = subscription.next() => match delivery {
            Delivery::Event(recorded) => recorded.wire(wire::event),
            Delivery::Reset { after, gap } => {
                wire::reset(after, gap, subscription.history_events())
            }
        },
        () = tokio::time::sleep(KEEP_ALIVE_AFTER) => Bytes::from_static(wire::KEEP_ALIVE),
    }
}

/// The endless body for `subscription`; dropping it (the client went away) ends the
/// subscription.
pub fn body(subscription: EventSubscription) -> Body {
    Body::from_stream(futures_util::stream::unfold(
        subscription,
        |mut subscription| async move {
            let message = next_message(&mut subscription).await;
            Some((Ok::<_, Infallible>(message), subscription))
        },
    ))
}
