//! A small blocking HTTP/1.1 client over UNIX sockets and TCP.
//!
//! supervisorctl needs two kinds of request: XML-RPC `POST /RPC2` on a persistent connection
//! (Python's `SupervisorTransport`), and a streaming `GET /logtail/...` whose chunked body never
//! ends (Python's asyncore `http_client`). Both are a few hundred bytes of HTTP, so a std-only
//! client keeps the binary small and its start-up instant.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use base64::Engine;
use thiserror::Error;

use crate::signals;

/// Where the daemon listens, parsed from a `serverurl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `unix:///path/to/socket`.
    Unix(PathBuf),
    /// `http://host[:port]`: the host name as urllib reports it (lower-cased) and the port.
    Tcp {
        /// Host name or address.
        host: String,
        /// TCP port (80 when the URL has none).
        port: u16,
    },
}

/// A `serverurl` that is neither `http://` nor `unix://` (Python raises `ValueError`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("Unknown protocol for serverurl {0}")]
pub struct UnknownProtocol(pub String);

impl Endpoint {
    /// Parses a server URL the way `supervisor.xmlrpc.SupervisorTransport` does.
    pub fn parse(serverurl: &str) -> Result<Endpoint, UnknownProtocol> {
        if let Some(rest) = serverurl.strip_prefix("http://") {
            let netloc = rest.split(['/', '?', '#']).next().unwrap_or("");
            // urllib drops credentials and lower-cases the host name.
            let hostport = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
            let (host, port) = split_host_port(hostport);
            let port = match port {
                Some(p) => p
                    .parse::<u16>()
                    .map_err(|_| UnknownProtocol(serverurl.to_string()))?,
                None => 80,
            };
            Ok(Endpoint::Tcp {
                host: host.to_lowercase(),
                port,
            })
        } else if let Some(path) = serverurl.strip_prefix("unix://") {
            Ok(Endpoint::Unix(PathBuf::from(path)))
        } else {
            Err(UnknownProtocol(serverurl.to_string()))
        }
    }

    /// The `Host` header Python's `http.client` sends for this endpoint.
    fn host_header(&self) -> String {
        match self {
            Endpoint::Unix(_) => "localhost".to_string(),
            Endpoint::Tcp { host, port } => {
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                if *port == 80 {
                    host
                } else {
                    format!("{host}:{port}")
                }
            }
        }
    }

    /// Opens a new connection.
    pub fn connect(&self) -> Result<Stream, TransportError> {
        match self {
            Endpoint::Unix(path) => UnixStream::connect(path)
                .map(Stream::Unix)
                .map_err(connect_err),
            Endpoint::Tcp { host, port } => {
                use std::net::ToSocketAddrs;
                let addrs = (host.as_str(), *port)
                    .to_socket_addrs()
                    .map_err(TransportError::Resolve)?;
                let mut last = None;
                for addr in addrs {
                    match TcpStream::connect(addr) {
                        Ok(s) => {
                            // Requests are written in one go; Nagle would only add latency.
                            let _ = s.set_nodelay(true);
                            return Ok(Stream::Tcp(s));
                        }
                        Err(e) => last = Some(e),
                    }
                }
                Err(connect_err(last.unwrap_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, "no address")
                })))
            }
        }
    }
}

/// Splits `host:port` / `[v6]:port` like urllib's `hostname`/`port` properties.
fn split_host_port(hostport: &str) -> (&str, Option<&str>) {
    if let Some(rest) = hostport.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            return (host, after.strip_prefix(':').filter(|p| !p.is_empty()));
        }
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) => (h, Some(p).filter(|p| !p.is_empty())),
        None => (hostport, None),
    }
}

/// A connected socket of either kind.
#[derive(Debug)]
pub enum Stream {
    /// A UNIX-domain stream socket.
    Unix(UnixStream),
    /// A TCP connection.
    Tcp(TcpStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Block in `poll` together with the Ctrl-C pipe rather than in `read`, so a Ctrl-C that
        // came just before this call is not missed (see `signals`); the callers turn
        // `Interrupted` with the flag set into `TransportError::Interrupted`.
        if signals::wait_readable(self.as_fd()) == signals::Wait::Interrupted {
            return Err(io::ErrorKind::Interrupted.into());
        }
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsFd for Stream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Stream::Unix(s) => s.as_fd(),
            Stream::Tcp(s) => s.as_fd(),
        }
    }
}

/// What can go wrong talking HTTP to the daemon.
#[derive(Debug, Error)]
pub enum TransportError {
    /// The host name could not be resolved.
    #[error("cannot resolve host: {0}")]
    Resolve(io::Error),
    /// The socket could not be connected (refused, missing socket file, ...).
    #[error("cannot connect: {0}")]
    Connect(io::Error),
    /// Reading or writing the connection failed.
    #[error("connection error: {0}")]
    Io(io::Error),
    /// The server closed the connection before sending a status line.
    #[error("Remote end closed connection without response")]
    RemoteDisconnected,
    /// The response was not well-formed HTTP.
    #[error("bad HTTP response: {0}")]
    BadResponse(String),
    /// The user pressed Ctrl-C while we were waiting.
    #[error("interrupted")]
    Interrupted,
}

impl TransportError {
    /// The OS error behind a connect/IO failure, if any.
    pub fn os_error(&self) -> Option<&io::Error> {
        match self {
            TransportError::Connect(e) | TransportError::Io(e) | TransportError::Resolve(e) => {
                Some(e)
            }
            _ => None,
        }
    }
}

/// Maps a connect error to ours, noticing a pending Ctrl-C.
fn connect_err(e: io::Error) -> TransportError {
    if e.kind() == io::ErrorKind::Interrupted && signals::interrupted() {
        TransportError::Interrupted
    } else {
        TransportError::Connect(e)
    }
}

/// Maps an I/O error to ours, noticing a pending Ctrl-C.
fn io_err(e: io::Error) -> TransportError {
    if e.kind() == io::ErrorKind::Interrupted && signals::interrupted() {
        TransportError::Interrupted
    } else {
        TransportError::Io(e)
    }
}

/// The `Authorization` header value for HTTP Basic auth.
pub fn basic_auth(username: &str, password: &str) -> String {
    let raw = format!("{username}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
    )
}

/// A response's status line and the headers we care about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The status code (200, 401, ...).
    pub status: u16,
    /// The reason phrase (`Unauthorized`).
    pub reason: String,
    /// `Content-Length`, if given.
    pub content_length: Option<usize>,
    /// Whether the body is chunked.
    pub chunked: bool,
    /// Whether the server will close the connection after this response.
    pub close: bool,
}

/// Reads one line ending in LF (kept), or what is left at EOF.
///
/// Hand-rolled rather than `read_until`, which silently retries `EINTR` and would make Ctrl-C
/// wait for the next byte from the server.
fn read_line<R: BufRead>(r: &mut R, line: &mut Vec<u8>) -> Result<usize, TransportError> {
    line.clear();
    loop {
        let buf = match r.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted && !signals::interrupted() => continue,
            Err(e) => return Err(io_err(e)),
        };
        if buf.is_empty() {
            return Ok(line.len());
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                line.extend_from_slice(&buf[..=i]);
                r.consume(i + 1);
                return Ok(line.len());
            }
            None => {
                let n = buf.len();
                line.extend_from_slice(buf);
                r.consume(n);
            }
        }
    }
}

/// Reads a status line and headers.
fn read_head<R: BufRead>(r: &mut R) -> Result<Head, TransportError> {
    let mut line = Vec::new();
    // Skip stray blank lines before the status line, like lenient clients do.
    loop {
        if read_line(r, &mut line)? == 0 {
            return Err(TransportError::RemoteDisconnected);
        }
        if !line.iter().all(|b| b.is_ascii_whitespace()) {
            break;
        }
    }
    let text = String::from_utf8_lossy(&line);
    let text = text.trim_end_matches(['\r', '\n']);
    let mut parts = text.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/") {
        return Err(TransportError::BadResponse(text.to_string()));
    }
    let status = parts
        .next()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .ok_or_else(|| TransportError::BadResponse(text.to_string()))?;
    let reason = parts.next().unwrap_or("").trim().to_string();
    let mut head = Head {
        status,
        reason,
        content_length: None,
        chunked: false,
        close: version == "HTTP/1.0",
    };
    loop {
        if read_line(r, &mut line)? == 0 {
            return Err(TransportError::BadResponse("truncated headers".into()));
        }
        let h = String::from_utf8_lossy(&line);
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        let Some((name, value)) = h.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => head.content_length = value.parse().ok(),
            "transfer-encoding" => head.chunked = value.eq_ignore_ascii_case("chunked"),
            "connection" => {
                if value.eq_ignore_ascii_case("close") {
                    head.close = true;
                } else if value.eq_ignore_ascii_case("keep-alive") {
                    head.close = false;
                }
            }
            _ => {}
        }
    }
    Ok(head)
}

/// Reads exactly `buf.len()` bytes, turning EOF into an error.
fn read_exact<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<(), TransportError> {
    let mut done = 0;
    while done < buf.len() {
        match r.read(&mut buf[done..]) {
            Ok(0) => return Err(TransportError::BadResponse("truncated body".into())),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted && !signals::interrupted() => {}
            Err(e) => return Err(io_err(e)),
        }
    }
    Ok(())
}

/// Reads a chunk-size line; `None` at EOF.
fn read_chunk_size<R: BufRead>(r: &mut R) -> Result<Option<usize>, TransportError> {
    let mut line = Vec::new();
    loop {
        if read_line(r, &mut line)? == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let hex = text.split([';', ' ']).next().unwrap_or("");
        return usize::from_str_radix(hex, 16)
            .map(Some)
            .map_err(|_| TransportError::BadResponse(format!("bad chunk size {text:?}")));
    }
}

/// Reads a whole body as described by `head`.
fn read_body<R: BufRead>(r: &mut R, head: &Head) -> Result<Vec<u8>, TransportError> {
    let mut body = Vec::new();
    if head.chunked {
        while let Some(size) = read_chunk_size(r)? {
            if size == 0 {
                // Trailers end with an empty line.
                let mut line = Vec::new();
                while read_line(r, &mut line)? > 0 && line != b"\r\n" && line != b"\n" {}
                return Ok(body);
            }
            let start = body.len();
            body.resize(start + size, 0);
            read_exact(r, &mut body[start..])?;
        }
        Err(TransportError::BadResponse("truncated chunked body".into()))
    } else if let Some(len) = head.content_length {
        body.resize(len, 0);
        read_exact(r, &mut body)?;
        Ok(body)
    } else {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match r.read(&mut chunk) {
                Ok(0) => return Ok(body),
                Ok(n) => body.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted && !signals::interrupted() => {}
                Err(e) => return Err(io_err(e)),
            }
        }
    }
}

/// A persistent connection for XML-RPC posts, reconnecting when the server closed it.
#[derive(Debug)]
pub struct RpcConnection {
    endpoint: Endpoint,
    authorization: Option<String>,
    conn: Option<BufReader<Stream>>,
}

/// A complete HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status line and headers.
    pub head: Head,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl RpcConnection {
    /// A connection (opened lazily) to `endpoint`, sending Basic auth when both credentials are set.
    pub fn new(endpoint: Endpoint, username: Option<&str>, password: Option<&str>) -> Self {
        let authorization = match (username, password) {
            (Some(u), Some(p)) => Some(basic_auth(u, p)),
            _ => None,
        };
        RpcConnection {
            endpoint,
            authorization,
            conn: None,
        }
    }

    /// Posts `body` to `path` and reads the complete response.
    pub fn post(&mut self, path: &str, body: &[u8]) -> Result<Response, TransportError> {
        let reused = self.conn.is_some();
        match self.post_once(path, body) {
            // A kept-alive connection the server closed meanwhile: it never saw the request.
            Err(TransportError::RemoteDisconnected) if reused => {
                self.conn = None;
                self.post_once(path, body)
            }
            other => other,
        }
    }

    /// Sends `GET path` on the same connection (for supervisor-rs's JSON API) and reads the
    /// complete response.
    pub fn get(&mut self, path: &str) -> Result<Response, TransportError> {
        let reused = self.conn.is_some();
        match self.request("GET", path, "Accept: application/json\r\n", &[]) {
            Err(TransportError::RemoteDisconnected) if reused => {
                self.conn = None;
                self.request("GET", path, "Accept: application/json\r\n", &[])
            }
            other => other,
        }
    }

    fn post_once(&mut self, path: &str, body: &[u8]) -> Result<Response, TransportError> {
        self.request(
            "POST",
            path,
            "Content-Type: text/xml\r\nAccept: text/xml\r\n",
            body,
        )
    }

    /// One request on the kept-alive connection; `headers` are complete `Name: value\r\n` lines.
    fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
    ) -> Result<Response, TransportError> {
        if self.conn.is_none() {
            self.conn = Some(BufReader::with_capacity(
                64 * 1024,
                self.endpoint.connect()?,
            ));
        }
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: identity\r\nUser-Agent: supervisorctl\r\n{headers}",
            self.endpoint.host_header()
        );
        if let Some(auth) = &self.authorization {
            req.push_str("Authorization: ");
            req.push_str(auth);
            req.push_str("\r\n");
        }
        if method == "GET" {
            req.push_str("\r\n");
        } else {
            req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        }
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        let result = (|| {
            let conn = self.conn.as_mut().expect("connected above");
            conn.get_mut().write_all(&bytes).map_err(|e| {
                // A peer that closed the socket shows up as EPIPE/ECONNRESET on write.
                if matches!(
                    e.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ) {
                    TransportError::RemoteDisconnected
                } else {
                    io_err(e)
                }
            })?;
            let head = read_head(conn)?;
            let body = read_body(conn, &head)?;
            Ok(Response { head, body })
        })();
        match &result {
            Ok(resp) if !resp.head.close && resp.head.status == 200 => {}
            _ => self.conn = None,
        }
        result
    }
}

/// A streaming `GET` (for `/logtail/...` and `/mainlogtail`), read chunk by chunk.
#[derive(Debug)]
pub struct StreamingGet {
    reader: BufReader<Stream>,
    head: Head,
    remaining: Option<usize>,
    done: bool,
}

impl StreamingGet {
    /// Connects, sends the request and reads the response head.
    ///
    /// Like Python's `http_client.HTTPHandler`, credentials are sent when a password is set.
    pub fn open(
        endpoint: &Endpoint,
        path: &str,
        username: Option<&str>,
        password: Option<&str>,
    ) -> Result<StreamingGet, TransportError> {
        let mut stream = endpoint.connect()?;
        let mut req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: chunked\r\nAccept: */*\r\nUser-agent: Supervisor HTTP Client\r\n",
            endpoint.host_header()
        );
        if let Some(p) = password.filter(|p| !p.is_empty()) {
            // Python formats a missing username as the string "None".
            req.push_str(&format!(
                "Authorization: {}\r\n",
                basic_auth(username.unwrap_or("None"), p)
            ));
        }
        req.push_str("\r\n");
        stream.write_all(req.as_bytes()).map_err(io_err)?;
        let mut reader = BufReader::with_capacity(64 * 1024, stream);
        let head = read_head(&mut reader)?;
        let remaining = if head.chunked {
            None
        } else {
            head.content_length
        };
        Ok(StreamingGet {
            reader,
            head,
            remaining,
            done: false,
        })
    }

    /// The response head.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The socket, for `poll`.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.reader.get_ref().as_fd()
    }

    /// Whether body bytes are already buffered (so `poll` on the socket would not see them).
    pub fn has_buffered(&self) -> bool {
        !self.reader.buffer().is_empty()
    }

    /// The next piece of the body; `None` when the body ended or the server closed the connection.
    pub fn next_piece(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        if self.done {
            return Ok(None);
        }
        // Wait here rather than in `read`, so a Ctrl-C that came just before is not missed.
        if !self.has_buffered() && signals::wait_readable(self.fd()) == signals::Wait::Interrupted {
            return Err(TransportError::Interrupted);
        }
        if self.head.chunked {
            match read_chunk_size(&mut self.reader)? {
                None | Some(0) => {
                    self.done = true;
                    Ok(None)
                }
                Some(size) => {
                    let mut buf = vec![0; size];
                    read_exact(&mut self.reader, &mut buf)?;
                    Ok(Some(buf))
                }
            }
        } else {
            let want = self.remaining.unwrap_or(64 * 1024).min(64 * 1024);
            if want == 0 {
                self.done = true;
                return Ok(None);
            }
            let mut buf = vec![0; want];
            let n = loop {
                match self.reader.read(&mut buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted && !signals::interrupted() => {
                    }
                    Err(e) => return Err(io_err(e)),
                }
            };
            if n == 0 {
                self.done = true;
                return Ok(None);
            }
            buf.truncate(n);
            if let Some(r) = &mut self.remaining {
                *r -= n;
            }
            Ok(Some(buf))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_server_urls() {
        assert_eq!(
            Endpoint::parse("unix:///tmp/s.sock").unwrap(),
            Endpoint::Unix("/tmp/s.sock".into())
        );
        assert_eq!(
            Endpoint::parse("http://LocalHost:9001").unwrap(),
            Endpoint::Tcp {
                host: "localhost".into(),
                port: 9001
            }
        );
        assert_eq!(
            Endpoint::parse("http://127.0.0.1").unwrap(),
            Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 80
            }
        );
        assert_eq!(
            Endpoint::parse("http://u:p@[::1]:9/RPC2").unwrap(),
            Endpoint::Tcp {
                host: "::1".into(),
                port: 9
            }
        );
        assert_eq!(
            Endpoint::parse("ftp://x").unwrap_err().to_string(),
            "Unknown protocol for serverurl ftp://x"
        );
    }

    #[test]
    fn host_header_omits_default_port() {
        let e = Endpoint::parse("http://h:80").unwrap();
        assert_eq!(e.host_header(), "h");
        let e = Endpoint::parse("http://h:9001").unwrap();
        assert_eq!(e.host_header(), "h:9001");
        assert_eq!(
            Endpoint::Unix("/x".into()).host_header(),
            "localhost".to_string()
        );
    }

    #[test]
    fn basic_auth_is_base64_of_user_colon_password() {
        assert_eq!(basic_auth("user", "123"), "Basic dXNlcjoxMjM=");
    }

    #[test]
    fn reads_content_length_and_chunked_bodies() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let mut r = BufReader::new(&raw[..]);
        let h = read_head(&mut r).unwrap();
        assert_eq!(h.status, 200);
        assert_eq!(read_body(&mut r, &h).unwrap(), b"hello");
        let h = read_head(&mut r).unwrap();
        assert!(h.chunked);
        assert_eq!(read_body(&mut r, &h).unwrap(), b"abcde");
    }

    #[test]
    fn status_line_reason_and_close() {
        let raw = b"HTTP/1.0 401 Unauthorized\r\nConnection: close\r\n\r\n";
        let mut r = BufReader::new(&raw[..]);
        let h = read_head(&mut r).unwrap();
        assert_eq!(h.status, 401);
        assert_eq!(h.reason, "Unauthorized");
        assert!(h.close);
        let mut empty = BufReader::new(&b""[..]);
        assert!(matches!(
            read_head(&mut empty),
            Err(TransportError::RemoteDisconnected)
        ));
    }
}
