//! Helpers: the router in process (HTTP through `oneshot`), and a real socket for `/ws`.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use server::{AppState, Config};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tower::ServiceExt;

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A test configuration: no curriculum file, outcomes not recorded, no idle timeout.
pub fn config() -> Config {
    let mut c = Config {
        host: "127.0.0.1".into(),
        port: 0,
        max_sessions: 16,
        idle_timeout: None,
        ..Config::default()
    };
    c.env.record_outcomes = false;
    c
}

pub fn state(config: Config) -> AppState {
    AppState::new(config).expect("state")
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn request(
    state: &AppState,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> Response {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(body.into()).expect("request");
    let resp = server::router(state.clone())
        .oneshot(req)
        .await
        .expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body")
        .to_vec();
    Response {
        status,
        headers,
        body,
    }
}

pub async fn get(state: &AppState, uri: &str) -> Response {
    request(state, Method::GET, uri, &[], Body::empty()).await
}

pub async fn post(state: &AppState, uri: &str, body: &str) -> Response {
    request(
        state,
        Method::POST,
        uri,
        &[("content-type", "application/json")],
        body.to_string(),
    )
    .await
}

/// A server on a real socket.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    pub served: JoinHandle<Result<(), server::ServerError>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Graceful shutdown; returns once the server has.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), self.served)
            .await
            .expect("shut down in time")
            .expect("joined")
            .expect("served");
    }
}

pub async fn start(config: Config) -> Running {
    let state = state(config);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(server::serve_on(listener, state.clone(), async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        state,
        stop: Some(stop),
        served,
    }
}

pub async fn connect(
    url: &str,
    headers: &[(&str, &str)],
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let mut req = url.into_client_request()?;
    for (k, v) in headers {
        let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes())
            .expect("header name");
        req.headers_mut()
            .insert(name, v.parse().expect("header value"));
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

pub async fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::Text(text.into())).await.expect("send");
}

/// The next message, skipping pongs, within 10 s.
pub async fn next(ws: &mut Ws) -> Option<Message> {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a reply in time");
        match m {
            Some(Ok(Message::Pong(_))) => continue,
            Some(Ok(m)) => return Some(m),
            Some(Err(_)) | None => return None,
        }
    }
}

/// The next text frame as JSON.
pub async fn recv(ws: &mut Ws) -> Value {
    match next(ws).await {
        Some(Message::Text(t)) => serde_json::from_str(t.as_str()).expect("JSON frame"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

pub async fn call(ws: &mut Ws, text: &str) -> Value {
    send(ws, text).await;
    recv(ws).await
}

/// The close frame's code (the connection must close next).
pub async fn close_code(ws: &mut Ws) -> Option<CloseCode> {
    match next(ws).await {
        Some(Message::Close(frame)) => frame.map(|f| f.code),
        other => panic!("expected a close frame, got {other:?}"),
    }
}
