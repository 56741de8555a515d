//! Native Lambda handler (`provided.al2023`, regional Lambda and local runs) over the same core
//! as the edge bundle. Lambda@Edge itself cannot run it: it accepts only Node.js and Python.
//!
//! The config is read once per container from `$EDGEGUARD_CONFIG` (default `guard.toml` in the
//! task root). If it cannot be loaded every request is denied: the guard fails closed.

use edgeguard::cloudfront::{fallback_deny, HandlerResult};
use edgeguard::edge::{handle_event_value, internal_error_log_line};
use edgeguard::{config, Guard};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let path = std::env::var("EDGEGUARD_CONFIG").unwrap_or_else(|_| "guard.toml".into());
    let guard = match config::load_file(std::path::Path::new(&path)) {
        Ok((_, config)) => Some(Guard::new(config)),
        Err(e) => {
            println!(
                "{}",
                json!({"level": "error", "message": format!("config not loaded, denying every request: {e}")})
            );
            None
        }
    };
    let guard = &guard;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(handle(guard.as_ref(), event))
    }))
    .await
}

fn handle(guard: Option<&Guard>, event: LambdaEvent<Value>) -> Value {
    let Some(guard) = guard else {
        println!(
            "{}",
            internal_error_log_line(
                Some(&event.context.request_id),
                Some("config not loaded"),
                now_ms()
            )
        );
        return serde_json::to_value(HandlerResult::Response(fallback_deny()))
            .unwrap_or(Value::Null);
    };
    let now_ms = now_ms();
    let outcome = handle_event_value(guard, event.payload, now_ms.div_euclid(1000));
    if outcome.is_logged() {
        println!("{}", outcome.log_line(now_ms));
    }
    serde_json::to_value(&outcome.result)
        .unwrap_or_else(|_| json!({"status": "403", "statusDescription": "Forbidden"}))
}

/// The clock in epoch milliseconds (the EMF `Timestamp`; decisions use whole seconds).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
