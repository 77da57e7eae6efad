//! `hub::Application` built in-process from `Settings::for_test`: binds an ephemeral port,
//! reports it, serves, and stops on request.

// Test helpers, not library code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use hub::{Application, Settings};

fn get(addr: SocketAddr, path: &str, token: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[actix_web::test]
async fn application_binds_an_ephemeral_port_and_serves_until_stopped() {
    let dir = std::env::temp_dir().join(format!("accord-app-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let settings = Settings::for_test(&dir);
    let token = settings.bootstrap_token.clone().unwrap();
    let app = Application::build(settings).await.unwrap();
    let addr = app.local_addr();
    assert_ne!(addr.port(), 0);
    assert_eq!(app.url(), format!("http://{addr}"));
    let handle = app.handle();
    let server = actix_web::rt::spawn(app.run_until_stopped());

    // The client blocks, so it runs off the system thread (where the group-commit writer lives).
    let token = token.expose().to_owned();
    let response = actix_web::rt::task::spawn_blocking(move || get(addr, "/taxii2/", &token))
        .await
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    handle.stop(true).await;
    server.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
