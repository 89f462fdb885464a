//! A tiny SMTP server for the tests, on 127.0.0.1: it accepts every message and keeps the
//! raw text, so tests can read what Heard sent. It can be stopped and started again on the
//! same port to play a mail server going down and coming back.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub struct SmtpSink {
    pub port: u16,
    pub received: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl SmtpSink {
    pub fn start() -> Self {
        Self::on(0)
    }

    /// Starts on `port` (0 for any free port).
    pub fn on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind SMTP sink");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let r = r.clone();
                    std::thread::spawn(move || {
                        let _ = session(stream, &r);
                    });
                }
            }
        });
        Self { port, received, stop }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<String> {
        self.received.lock().expect("lock").clone()
    }

    /// Stops accepting connections and frees the port.
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn session(stream: TcpStream, received: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 sink ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            out.write_all(b"250-sink\r\n250 8BITMIME\r\n")?;
        } else if cmd.starts_with("HELO")
            || cmd.starts_with("MAIL")
            || cmd.starts_with("RCPT")
            || cmd.starts_with("RSET")
            || cmd.starts_with("NOOP")
        {
            out.write_all(b"250 OK\r\n")?;
        } else if cmd.starts_with("DATA") {
            out.write_all(b"354 go on\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
            }
            received.lock().expect("lock").push(data);
            out.write_all(b"250 queued\r\n")?;
        } else if cmd.starts_with("QUIT") {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            out.write_all(b"502 not here\r\n")?;
        }
    }
}
