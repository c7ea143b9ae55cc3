//! `/ws`: one session per connection, strict request/reply lockstep (OpenEnv §2).

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use gym::ResetOptions;
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::mcp;
use crate::protocol::{
    Action, ErrorCode, capacity_message, check_frame, error_frame, observation_frame, parse_action,
    python_json_error, python_str, raw_observation_frame, state_frame, validation_frame,
};
use crate::state::{AppState, Episodes, Inner};

/// Bytes read from the socket at a time.
const READ_BUFFER: usize = 8 * 1024;

/// Close codes.
const NORMAL: u16 = 1000;
const GOING_AWAY: u16 = 1001;
const TOO_BIG: u16 = 1009;
const INTERNAL: u16 = 1011;

pub(crate) async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let limit = state.inner.config.max_request_bytes;
    // Requests are small; tungstenite zero-fills its read buffer up to this size on every read.
    ws.read_buffer_size(READ_BUFFER)
        .max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| connection(socket, state))
}

/// What a request frame asks of the connection.
enum Next {
    Reply(String),
    Close,
    /// The session was lost (a panic in a blocking call): say so and close.
    Fatal(String),
}

async fn connection(mut socket: WebSocket, state: AppState) {
    let inner = &*state.inner;
    let _open = inner.connections.enter();
    let _slot = match inner.sessions.try_slot() {
        Ok(slot) => slot,
        Err(full) => {
            let mut extra = Map::new();
            extra.insert("active_sessions".into(), full.active.into());
            extra.insert("max_sessions".into(), full.max.into());
            inner.metrics.error(ErrorCode::CapacityReached.as_str());
            let frame = error_frame(
                ErrorCode::CapacityReached,
                &capacity_message(full.active, full.max),
                extra,
            );
            if socket.send(Message::Text(frame.into())).await.is_ok() {
                let _ = close(&mut socket, NORMAL, "").await;
            }
            return;
        }
    };
    let mut session = Box::new(inner.new_episodes());
    let mut shutdown = inner.shutdown_signal();
    let idle = inner.config.idle_timeout;
    let mut last_request = Instant::now();
    loop {
        let deadline = idle.map(|d| last_request + d);
        let message = tokio::select! {
            m = socket.recv() => m,
            () = sleep_until(deadline) => {
                let secs = idle.map_or(0, |d| d.as_secs());
                end(&mut socket, inner, &format!("Session closed after {secs} s without a request"), NORMAL).await;
                break;
            }
            () = stopped(&mut shutdown) => {
                end(&mut socket, inner, "Server shutting down", GOING_AWAY).await;
                break;
            }
        };
        let text = match message {
            None | Some(Ok(Message::Close(_))) => break,
            Some(Err(e)) => {
                if is_too_big(&e) {
                    let _ = close(&mut socket, TOO_BIG, "message too big").await;
                }
                break;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Text(t))) => t,
            // Not text, so not JSON: it gets INVALID_JSON.
            Some(Ok(Message::Binary(b))) => String::from_utf8(b.to_vec())
                .unwrap_or_else(|_| "\u{fffd}".to_owned())
                .into(),
        };
        last_request = Instant::now();
        let (back, next) = handle(inner, session, text.as_str()).await;
        session = back;
        match next {
            Next::Reply(frame) => {
                if socket.send(Message::Text(frame.into())).await.is_err() {
                    break;
                }
            }
            Next::Close => {
                let _ = close(&mut socket, NORMAL, "").await;
                break;
            }
            Next::Fatal(message) => {
                end(&mut socket, inner, &message, INTERNAL).await;
                break;
            }
        }
    }
    inner.close(session).await;
}

async fn stopped(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    if shutdown.wait_for(|stop| *stop).await.is_err() {
        // The state (and its sender) outlives every connection; never stop on its loss.
        std::future::pending::<()>().await;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// A `SESSION_ERROR` frame, then the close.
async fn end(socket: &mut WebSocket, inner: &Inner, message: &str, code: u16) {
    inner.metrics.error(ErrorCode::SessionError.as_str());
    let frame = error_frame(ErrorCode::SessionError, message, Map::new());
    if socket.send(Message::Text(frame.into())).await.is_ok() {
        let _ = close(socket, code, "").await;
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) -> Result<(), axum::Error> {
    socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await
}

fn is_too_big(e: &axum::Error) -> bool {
    use tokio_tungstenite::tungstenite::Error as WsError;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(WsError::Capacity(_)) = s.downcast_ref::<WsError>() {
            return true;
        }
        source = s.source();
    }
    false
}

fn reply_error(inner: &Inner, code: ErrorCode, message: &str) -> Next {
    inner.metrics.error(code.as_str());
    Next::Reply(error_frame(code, message, Map::new()))
}

/// One request frame. The session is moved in and back out, so a blocking call can own it.
async fn handle(inner: &Inner, session: Box<Episodes>, text: &str) -> (Box<Episodes>, Next) {
    if let Some(command) = crate::protocol::plain_step(text) {
        return step(inner, session, command).await;
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let message = format!("Invalid JSON: {}", python_json_error(text, &e));
            return (
                session,
                reply_error(inner, ErrorCode::InvalidJson, &message),
            );
        }
    };
    let Value::Object(frame) = value else {
        // The Python server fails on `.get` here and drops the connection; a validation error
        // that keeps it open is kinder and as clear.
        let error = crate::protocol::FieldError::new(
            "model_type",
            &[],
            "Input should be a valid dictionary",
            value,
        );
        inner.metrics.error(ErrorCode::ValidationError.as_str());
        return (session, Next::Reply(validation_frame(&[error])));
    };
    let kind = frame.get("type").map_or_else(String::new, python_str);
    let invalid = |errors: Vec<crate::protocol::FieldError>| {
        inner.metrics.error(ErrorCode::ValidationError.as_str());
        Next::Reply(validation_frame(&errors))
    };
    match kind.as_str() {
        "reset" => {
            if let Err(errors) = check_frame(&frame, &[("data", false)]) {
                return (session, invalid(errors));
            }
            let data = frame.get("data").cloned().unwrap_or(Value::Null);
            let options = match ResetOptions::from_json(&data) {
                Ok(o) => o,
                Err(e) => {
                    return (
                        session,
                        reply_error(inner, ErrorCode::ExecutionError, &e.to_string()),
                    );
                }
            };
            match inner.reset(session, options).await {
                Ok((s, Ok(obs))) => (s, Next::Reply(observation_frame(&obs))),
                Ok((s, Err(e))) => (
                    s,
                    reply_error(inner, ErrorCode::ExecutionError, &e.to_string()),
                ),
                Err(_) => lost(inner),
            }
        }
        "step" => {
            if let Err(errors) = check_frame(&frame, &[("data", true)]) {
                return (session, invalid(errors));
            }
            let data = frame.get("data").unwrap_or(&Value::Null);
            let command = match parse_action(data) {
                Err(errors) => return (session, invalid(errors)),
                Ok(Action::Command(c)) => c,
                Ok(Action::ListTools) => {
                    let obs = serde_json::json!({"tools": mcp::step_tools()});
                    return (
                        session,
                        Next::Reply(raw_observation_frame(obs, None, false)),
                    );
                }
                Ok(Action::CallTool {
                    tool_name,
                    arguments,
                }) => match mcp::tool_command(&tool_name, &arguments) {
                    Ok(c) => {
                        return match inner.step(session, c).await {
                            Ok((s, r)) => {
                                let (obs, reward, done) =
                                    mcp::call_tool_observation(&tool_name, &r);
                                (s, Next::Reply(raw_observation_frame(obs, reward, done)))
                            }
                            Err(_) => lost(inner),
                        };
                    }
                    Err(error) => {
                        let obs = serde_json::json!({"tool_name": tool_name, "result": null, "error": error});
                        let done = session.state(&inner.env).done;
                        return (session, Next::Reply(raw_observation_frame(obs, None, done)));
                    }
                },
            };
            step(inner, session, command).await
        }
        "state" => {
            if let Err(errors) = check_frame(&frame, &[]) {
                return (session, invalid(errors));
            }
            let frame = state_frame(&session.state(&inner.env));
            (session, Next::Reply(frame))
        }
        "close" => {
            if let Err(errors) = check_frame(&frame, &[]) {
                return (session, invalid(errors));
            }
            (session, Next::Close)
        }
        "mcp" => {
            if let Err(errors) = check_frame(&frame, &[("data", true)]) {
                return (session, invalid(errors));
            }
            let request = frame.get("data").cloned().unwrap_or(Value::Null);
            let (session, response) = mcp::on_connection(inner, session, &request).await;
            match (session, response) {
                (Some(s), response) => (s, Next::Reply(crate::protocol::mcp_frame(&response))),
                (None, _) => lost(inner),
            }
        }
        other => {
            let message = format!("Unknown message type: {other}");
            (
                session,
                reply_error(inner, ErrorCode::UnknownType, &message),
            )
        }
    }
}

async fn step(inner: &Inner, session: Box<Episodes>, command: String) -> (Box<Episodes>, Next) {
    match inner.step(session, command).await {
        Ok((s, Ok(obs))) => (s, Next::Reply(observation_frame(&obs))),
        Ok((s, Err(e))) => (
            s,
            reply_error(inner, ErrorCode::ExecutionError, &e.to_string()),
        ),
        Err(_) => lost(inner),
    }
}

/// After a panic the session is gone; a placeholder is handed back for the (no-op) close.
fn lost_placeholder(inner: &Inner) -> Box<Episodes> {
    Box::new(inner.new_episodes())
}

fn lost(inner: &Inner) -> (Box<Episodes>, Next) {
    (
        lost_placeholder(inner),
        Next::Fatal("The session was lost to an internal error".into()),
    )
}
