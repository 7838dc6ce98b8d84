//! A TCP proxy between the server and its database that a test can cut, to stage an outage
//! without stopping the database other tests share. While down it drops every open connection
//! and stops listening, so that new connections are refused — as they are when a database
//! host is down — and the server's pool keeps retrying until its acquire timeout.

use std::net::SocketAddr;
use std::sync::Mutex;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running proxy.
pub struct Proxy {
    /// Where the server should connect.
    pub address: SocketAddr,
    target: SocketAddr,
    cut: watch::Sender<u64>,
    accepting: Mutex<Option<JoinHandle<()>>>,
}

fn accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    mut cuts: watch::Receiver<u64>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            // Only cuts after this connection was made end it.
            cuts.borrow_and_update();
            let mut cuts = cuts.clone();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(target).await else {
                    return;
                };
                tokio::select! {
                    _ = copy_bidirectional(&mut client, &mut server) => {}
                    _ = cuts.changed() => {}
                }
            });
        }
    })
}

impl Proxy {
    /// Proxies to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (cut, cuts) = watch::channel(0u64);
        let accepting = Mutex::new(Some(accept_loop(listener, target, cuts)));
        Self {
            address,
            target,
            cut,
            accepting,
        }
    }

    /// Cuts every connection and stops listening: new connections are refused.
    pub fn down(&self) {
        if let Some(task) = self.accepting.lock().unwrap().take() {
            task.abort();
        }
        self.cut.send_modify(|n| *n += 1);
    }

    /// Listens again on the same address.
    pub async fn up(&self) {
        let mut listener = None;
        for _ in 0..50 {
            if let Ok(l) = TcpListener::bind(self.address).await {
                listener = Some(l);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let listener = listener.expect("the proxy's address can be bound again");
        *self.accepting.lock().unwrap() =
            Some(accept_loop(listener, self.target, self.cut.subscribe()));
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(task) = self.accepting.lock().unwrap().take() {
            task.abort();
        }
    }
}
