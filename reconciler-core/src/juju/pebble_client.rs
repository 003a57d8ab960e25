//! A minimal blocking Pebble client: HTTP/1.1 over the container's unix socket.
//!
//! A hook makes a handful of sequential requests to Pebble, so this sends each on a fresh
//! connection with `Connection: close` and reads the response to the end (plain or
//! chunked). That keeps the client to the standard library: no async runtime to start in
//! a process that lives for milliseconds, and no HTTP stack to compile into every charm.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::backend::BackendError;
use crate::pebble::{CheckInfo, Layer, Pebble, ServiceInfo};

/// How long one request may take before it is abandoned.
const TIMEOUT: Duration = Duration::from_secs(60);

/// How long Pebble is asked to wait for a change (service start/stop) to finish.
const CHANGE_WAIT: &str = "30s";

/// A Pebble client for one container's socket.
#[derive(Debug)]
pub struct PebbleClient {
    container: String,
    socket: PathBuf,
}

/// A parsed HTTP response.
struct Response {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// Pebble's JSON envelope.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "status-code", default)]
    status_code: u16,
    #[serde(default)]
    result: Value,
    #[serde(default)]
    change: Option<String>,
}

impl PebbleClient {
    /// A client of the Pebble serving `socket` in `container`. Nothing is connected until
    /// the first request.
    pub fn new(container: impl Into<String>, socket: impl Into<PathBuf>) -> PebbleClient {
        PebbleClient {
            container: container.into(),
            socket: socket.into(),
        }
    }

    fn operation(&self, method: &str, path: &str) -> String {
        format!("pebble {}: {method} {path}", self.container)
    }

    fn fail(&self, method: &str, path: &str, message: impl Into<String>) -> BackendError {
        BackendError::failed(self.operation(method, path), message)
    }

    fn http(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Response, BackendError> {
        let io = |e: std::io::Error| BackendError::Failed {
            operation: self.operation(method, path),
            message: format!("cannot talk to Pebble at {}", self.socket.display()),
            source: Some(Box::new(e)),
        };
        let mut stream = UnixStream::connect(&self.socket).map_err(io)?;
        stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
        stream.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(content_type) = content_type {
            request.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).map_err(io)?;
        stream.write_all(body).map_err(io)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).map_err(io)?;
        parse_response(&raw).map_err(|message| self.fail(method, path, message))
    }

    /// Sends a request and unwraps Pebble's envelope: the `result` of a sync response, or
    /// the change id of an async one.
    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Envelope, BackendError> {
        let bytes = match body {
            Some(body) => {
                serde_json::to_vec(body).map_err(|e| self.fail(method, path, e.to_string()))?
            }
            None => Vec::new(),
        };
        let content_type = body.map(|_| "application/json");
        let response = self.http(method, path, content_type, &bytes)?;
        self.envelope(method, path, &response)
    }

    fn envelope(
        &self,
        method: &str,
        path: &str,
        response: &Response,
    ) -> Result<Envelope, BackendError> {
        let envelope: Envelope = serde_json::from_slice(&response.body).map_err(|e| {
            self.fail(
                method,
                path,
                format!(
                    "HTTP {}: response is not a Pebble JSON envelope ({e})",
                    response.status
                ),
            )
        })?;
        if envelope.kind == "error" || response.status >= 400 {
            let message = envelope
                .result
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message");
            return Err(self.fail(
                method,
                path,
                format!(
                    "HTTP {}: {message}",
                    envelope.status_code.max(response.status)
                ),
            ));
        }
        Ok(envelope)
    }

    fn result<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, BackendError> {
        let envelope = self.request(method, path, body)?;
        serde_json::from_value(envelope.result)
            .map_err(|e| self.fail(method, path, format!("unexpected result: {e}")))
    }

    /// Runs a service action and waits for its change to finish.
    fn services_action(&self, action: &str, names: &[&str]) -> Result<(), BackendError> {
        let envelope = self.request(
            "POST",
            "/v1/services",
            Some(&json!({ "action": action, "services": names })),
        )?;
        let Some(change) = envelope.change else {
            return Ok(());
        };
        let path = format!("/v1/changes/{change}/wait?timeout={CHANGE_WAIT}");
        let result: Value = self.result("GET", &path, None)?;
        match result.get("err").and_then(Value::as_str) {
            Some(err) if !err.is_empty() => Err(self.fail(
                "POST",
                "/v1/services",
                if names.is_empty() {
                    format!("{action}: {err}")
                } else {
                    format!("{action} {}: {err}", names.join(", "))
                },
            )),
            _ => Ok(()),
        }
    }
}

fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let split = find(raw, b"\r\n\r\n").ok_or("truncated HTTP response (no end of headers)")?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| "HTTP headers are not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("malformed HTTP status line {status_line:?}"))?;
    let mut chunked = false;
    let mut content_type = String::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        } else if name.eq_ignore_ascii_case("content-type") {
            content_type = value.to_owned();
        }
    }
    let rest = &raw[split + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(Response {
        status,
        content_type,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = find(data, b"\r\n").ok_or("truncated chunked body")?;
        let size_text = std::str::from_utf8(&data[..line_end]).map_err(|_| "bad chunk size")?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if data.len() < size {
            return Err("truncated chunk".into());
        }
        body.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Splits a multipart body into (headers, content) parts.
fn multipart_parts<'a>(body: &'a [u8], boundary: &str) -> Vec<(String, &'a [u8])> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(head_end) = find(rest, b"\r\n\r\n") else {
            break;
        };
        let headers = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        let content = &rest[head_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes()).unwrap_or(content.len());
        parts.push((headers, &content[..end]));
        rest = &content[end..];
    }
    parts
}

impl Pebble for PebbleClient {
    fn can_connect(&mut self) -> bool {
        self.request("GET", "/v1/system-info", None).is_ok()
    }

    fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), BackendError> {
        let yaml = serde_yaml_ng::to_string(layer)
            .map_err(|e| self.fail("POST", "/v1/layers", e.to_string()))?;
        self.request(
            "POST",
            "/v1/layers",
            Some(&json!({
                "action": "add",
                "combine": combine,
                "label": label,
                "format": "yaml",
                "layer": yaml,
            })),
        )
        .map(drop)
    }

    fn plan(&mut self) -> Result<Layer, BackendError> {
        let path = "/v1/plan?format=yaml";
        let yaml: String = self.result("GET", path, None)?;
        if yaml.trim().is_empty() || yaml.trim() == "{}" {
            return Ok(Layer::default());
        }
        serde_yaml_ng::from_str(&yaml)
            .map_err(|e| self.fail("GET", path, format!("unexpected plan: {e}")))
    }

    fn services(&mut self, names: &[&str]) -> Result<Vec<ServiceInfo>, BackendError> {
        let path = if names.is_empty() {
            "/v1/services".to_owned()
        } else {
            format!("/v1/services?names={}", encode(&names.join(",")))
        };
        let services: Option<Vec<ServiceInfo>> = self.result("GET", &path, None)?;
        Ok(services.unwrap_or_default())
    }

    fn replan(&mut self) -> Result<(), BackendError> {
        self.services_action("replan", &[])
    }

    fn start(&mut self, names: &[&str]) -> Result<(), BackendError> {
        self.services_action("start", names)
    }

    fn stop(&mut self, names: &[&str]) -> Result<(), BackendError> {
        self.services_action("stop", names)
    }

    fn restart(&mut self, names: &[&str]) -> Result<(), BackendError> {
        self.services_action("restart", names)
    }

    fn push(&mut self, path: &str, content: &[u8]) -> Result<(), BackendError> {
        let boundary = "reconciler-pebble-boundary-5f1d9c";
        let metadata = json!({
            "action": "write",
            "files": [{ "path": path, "make-dirs": true }],
        });
        let mut body = Vec::with_capacity(content.len() + 512);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n{metadata}\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{}\"\r\n\r\n",
                path.replace('"', "%22")
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self.http(
            "POST",
            "/v1/files",
            Some(&format!("multipart/form-data; boundary={boundary}")),
            &body,
        )?;
        let envelope = self.envelope("POST", "/v1/files", &response)?;
        if let Some(error) = envelope
            .result
            .as_array()
            .and_then(|files| files.first())
            .and_then(|file| file.get("error"))
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
        {
            return Err(self.fail("POST", "/v1/files", format!("{path}: {error}")));
        }
        Ok(())
    }

    fn pull(&mut self, path: &str) -> Result<Vec<u8>, BackendError> {
        let request = format!("/v1/files?action=read&path={}", encode(path));
        let response = self.http("GET", &request, None, &[])?;
        let Some(boundary) = response
            .content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"').to_owned())
        else {
            // Not multipart: an error envelope.
            self.envelope("GET", &request, &response)?;
            return Err(self.fail("GET", &request, "response has no file"));
        };
        let parts = multipart_parts(&response.body, &boundary);
        let mut file = None;
        for (headers, content) in &parts {
            if headers.contains("name=\"files\"") {
                file = Some(content.to_vec());
            } else if headers.contains("name=\"response\"") {
                let fake = Response {
                    status: response.status,
                    content_type: String::new(),
                    body: content.to_vec(),
                };
                let envelope = self.envelope("GET", &request, &fake)?;
                if let Some(error) = envelope
                    .result
                    .as_array()
                    .and_then(|files| files.first())
                    .and_then(|file| file.get("error"))
                    .and_then(|e| e.get("message"))
                    .and_then(Value::as_str)
                {
                    return Err(self.fail("GET", &request, format!("{path}: {error}")));
                }
            }
        }
        file.ok_or_else(|| self.fail("GET", &request, format!("{path}: no file in the response")))
    }

    fn checks(&mut self) -> Result<Vec<CheckInfo>, BackendError> {
        let checks: Option<Vec<CheckInfo>> = self.result("GET", "/v1/checks", None)?;
        Ok(checks.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_and_plain_bodies() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
        let r = parse_response(raw).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"{\"a\":1}");
        let r = parse_response(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}").unwrap();
        assert_eq!((r.status, &r.body[..]), (404, &b"{}"[..]));
        assert!(parse_response(b"HTTP/1.1 200").is_err());
    }

    #[test]
    fn multipart_split() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"files\"\r\n\r\nhello\r\n--b\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{}\r\n--b--\r\n";
        let parts = multipart_parts(body, "b");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].1, b"hello");
        assert_eq!(parts[1].1, b"{}");
    }

    #[test]
    fn unreachable_socket_names_container_and_path() {
        let mut client = PebbleClient::new("workload", "/nonexistent/pebble.socket");
        assert!(!client.can_connect());
        let e = client.plan().unwrap_err().to_string();
        assert!(
            e.starts_with("pebble workload: GET /v1/plan?format=yaml: cannot talk to Pebble at /nonexistent/pebble.socket"),
            "{e}"
        );
    }
}
