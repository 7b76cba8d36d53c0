//! Supervisor's output semantics for one channel of one process (`POutputDispatcher`, and
//! `PEventListenerDispatcher` for a listener's stdout): what goes to the log file, to syslog, to
//! the main log and into events, and capture mode between `<!--XSUPERVISOR:BEGIN-->` and
//! `<!--XSUPERVISOR:END-->`.
//!
//! [`OutputProcessor`] is synchronous and knows nothing of pipes or tasks: the pump feeds it
//! chunks, so every rule here is unit-tested without a child. It also decides when the bytes need
//! not be seen at all, and then splices them into the file for the pump.
//!
//! Deliberate fixes of Supervisor quirks (Q43): bytes held back as a possible partial token are
//! flushed at end of stream instead of being lost, and output is not held back merely for being
//! shorter than a token.

use std::os::fd::BorrowedFd;
use std::path::Path;

use super::pump::{ReadOutcome, SPLICE_CHUNK};
use super::tokens::{prefix_at_end, BoundBuffer, BEGIN_TOKEN, END_TOKEN};
use super::{
    CaptureConfig, CaptureNotice, CaptureReport, Channel, NoticeSink, Payload, ProtocolSink,
};
use crate::logs::ansi::strip_ansi;
use crate::logs::daemon_log;
use crate::logs::logfile::{LogFile, LogFileError, LogOp, Spliced};
use crate::logs::syslog;
use supervisor_core::pystr::{py_repr, py_repr_bytes};
use supervisor_core::LogLevel;

/// Supervisor's per-chunk output handling for one channel of one process.
pub struct OutputProcessor {
    process_name: String,
    channel: Channel,
    logfile: Option<LogFile>,
    syslog_prefix: Option<Vec<u8>>,
    strip_ansi: bool,
    events_enabled: bool,
    capture_enabled: bool,
    /// Bytes not yet processed because they may be the start of a token.
    held: Vec<u8>,
    capturing: bool,
    capture: BoundBuffer,
    failing: bool,
    streak_lost: u64,
    report: CaptureReport,
    finished: bool,
    /// splice(2) failed in a way that will not change (e.g. the file system lacks support).
    splice_unsupported: bool,
    /// Inside [`begin_batch`](Self::begin_batch)/[`end_batch`](Self::end_batch).
    batching: bool,
    /// Something was written to the log file in the current batch.
    batch_written: bool,
    notices: NoticeSink,
    /// Set for an event listener's stdout (Supervisor's `PEventListenerDispatcher`).
    protocol: Option<ProtocolSink>,
}

impl std::fmt::Debug for OutputProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputProcessor")
            .field("process_name", &self.process_name)
            .field("channel", &self.channel)
            .field("logfile", &self.logfile)
            .field("capturing", &self.capturing)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl OutputProcessor {
    /// Builds the processor; `notices` receives events and write failures.
    pub fn new(config: CaptureConfig, notices: NoticeSink) -> OutputProcessor {
        let syslog_prefix = config
            .syslog
            .then(|| format!("{} ", config.process_name).into_bytes());
        OutputProcessor {
            process_name: config.process_name,
            channel: config.channel,
            logfile: config.logfile,
            syslog_prefix,
            strip_ansi: config.strip_ansi,
            events_enabled: config.events_enabled,
            capture_enabled: config.capture_maxbytes > 0,
            held: Vec::new(),
            capturing: false,
            capture: BoundBuffer {
                max: config.capture_maxbytes,
                buf: Vec::new(),
            },
            failing: false,
            streak_lost: 0,
            report: CaptureReport::default(),
            finished: false,
            splice_unsupported: false,
            batching: false,
            batch_written: false,
            notices,
            protocol: None,
        }
    }

    /// Builds the processor of an event listener's stdout: each chunk is echoed to the main log
    /// at debug as a bytes repr (`'NAME' stdout output:\nb'READY\n'`), written to the log file
    /// (after `strip_ansi`), then handed raw to `protocol`. Capture mode, events and syslog do
    /// not apply to this channel.
    pub fn new_listener(
        config: CaptureConfig,
        notices: NoticeSink,
        protocol: ProtocolSink,
    ) -> OutputProcessor {
        let mut processor = OutputProcessor::new(
            CaptureConfig {
                syslog: false,
                capture_maxbytes: 0,
                events_enabled: false,
                ..config
            },
            notices,
        );
        processor.protocol = Some(protocol);
        processor
    }

    /// The log file's path, if the channel has one.
    pub fn log_path(&self) -> Option<&Path> {
        self.logfile.as_ref().map(LogFile::path)
    }

    /// Whether capture mode is active (between a BEGIN and an END token).
    pub fn is_capturing(&self) -> bool {
        self.capturing
    }

    /// Totals so far.
    pub fn report(&self) -> CaptureReport {
        self.report
    }

    /// Handles one chunk read from the pipe.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.report.bytes_read += chunk.len() as u64;
        if self.protocol.is_some() {
            self.feed_listener(chunk);
            return;
        }
        if !self.capture_enabled {
            self.emit(chunk);
            return;
        }
        self.held.extend_from_slice(chunk);
        self.process_held(false);
    }

    /// Python's `PEventListenerDispatcher.handle_read_event` for one non-empty chunk.
    fn feed_listener(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        crate::log_debug!(
            "{} {} output:\n{}",
            py_repr(&self.process_name),
            self.channel.name(),
            py_repr_bytes(chunk)
        );
        let logged = if self.strip_ansi {
            strip_ansi(chunk)
        } else {
            std::borrow::Cow::Borrowed(chunk)
        };
        self.write_log(&logged);
        if let Some(protocol) = self.protocol.as_mut() {
            protocol(chunk);
        }
    }

    /// Whether the next bytes may skip user space: they go only to a regular log file, with no
    /// feature that needs to see them (capture mode, events, syslog, `strip_ansi`, the debug
    /// echo) and no failure streak in progress (which the plain path reports and counts).
    fn can_splice(&self) -> bool {
        !self.capture_enabled
            && !self.events_enabled
            && self.syslog_prefix.is_none()
            && !self.strip_ansi
            && !self.failing
            && !self.finished
            && !self.splice_unsupported
            && self.protocol.is_none()
            && self.logfile.as_ref().is_some_and(LogFile::can_splice)
            && !daemon_log::enabled(LogLevel::Debug)
    }

    /// Moves bytes straight from `pipe` into the log file when [`can_splice`](Self::can_splice);
    /// `None` means the caller must read and [`feed`](Self::feed) instead (not eligible, or the
    /// file refused: the bytes are still in the pipe).
    pub(super) fn splice_from(&mut self, pipe: BorrowedFd<'_>) -> Option<ReadOutcome> {
        if !self.can_splice() {
            return None;
        }
        let log = self.logfile.as_mut()?;
        match log.splice_from(pipe, SPLICE_CHUNK) {
            Ok(Spliced::Moved { bytes, emptied }) => {
                self.report.bytes_read += bytes as u64;
                if let Err(e) = log.rotate_if_full() {
                    // The bytes are in the file; the rollover failed. Later chunks take the
                    // plain path, which reports recovery.
                    if !self.failing {
                        self.failing = true;
                        (self.notices)(CaptureNotice::WriteFailed(e));
                    }
                }
                Some(ReadOutcome::Data { bytes, emptied })
            }
            Ok(Spliced::WouldBlock) => Some(ReadOutcome::WouldBlock),
            Ok(Spliced::Eof) => Some(ReadOutcome::Eof),
            Err(e) => {
                // A file system without splice support: stop trying for this capture.
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
                ) {
                    self.splice_unsupported = true;
                }
                None
            }
        }
    }

    /// End of stream: flushes bytes held back as a possible partial token, then releases the
    /// log file (Python drops the handlers when the process ends).
    pub fn finish(&mut self) {
        if self.capture_enabled {
            self.process_held(true);
        }
        if let Some(log) = self.logfile.as_mut() {
            log.close();
        }
        self.finished = true;
    }

    /// Ends the capture: [`finish`](Self::finish), records whether the stream reached its end,
    /// and sends [`CaptureNotice::Finished`], the last notice; returns the totals.
    pub(super) fn conclude(&mut self, reached_eof: bool) -> CaptureReport {
        self.finish();
        self.report.reached_eof = reached_eof;
        let report = self.report;
        (self.notices)(CaptureNotice::Finished(report));
        report
    }

    /// Reopens the log file by name (SIGUSR2). Nothing to do once finished.
    pub fn reopen(&mut self) -> Result<(), LogFileError> {
        match self.logfile.as_mut() {
            Some(log) if !self.finished => log.reopen(),
            _ => Ok(()),
        }
    }

    /// Deletes and reopens the log file and empties the capture buffer (`clearProcessLogs`).
    /// After the capture finished the file is still cleared, then released again.
    pub fn clear(&mut self) -> Result<(), LogFileError> {
        self.capture.buf.clear();
        let Some(log) = self.logfile.as_mut() else {
            return Ok(());
        };
        let result = log.clear();
        if self.finished {
            log.close();
        }
        result
    }

    fn process_held(&mut self, eof: bool) {
        loop {
            let token = if self.capturing {
                END_TOKEN
            } else {
                BEGIN_TOKEN
            };
            let data = std::mem::take(&mut self.held);
            match memchr::memmem::find(&data, token) {
                Some(at) => {
                    self.emit(&data[..at]);
                    self.toggle_capture();
                    self.held = data[at + token.len()..].to_vec();
                    if self.held.is_empty() {
                        return;
                    }
                }
                None => {
                    let keep = if eof { 0 } else { prefix_at_end(&data, token) };
                    let cut = data.len() - keep;
                    self.emit(&data[..cut]);
                    self.held = data[cut..].to_vec();
                    return;
                }
            }
        }
    }

    fn toggle_capture(&mut self) {
        self.capturing = !self.capturing;
        if !self.capturing {
            let data = std::mem::take(&mut self.capture.buf);
            (self.notices)(CaptureNotice::Communication(Payload::new(data)));
            crate::log_debug!(
                "{} {} emitted a comm event",
                py_repr(&self.process_name),
                self.channel.name()
            );
        }
    }

    /// Python's `_log`: one piece of output to the current log, the main log and events.
    fn emit(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let data = if self.strip_ansi {
            strip_ansi(data)
        } else {
            std::borrow::Cow::Borrowed(data)
        };
        if self.capturing {
            self.capture.write(&data);
        } else {
            self.write_log(&data);
            if let Some(prefix) = &self.syslog_prefix {
                syslog::send_lines(prefix, &data);
            }
        }
        if daemon_log::enabled(LogLevel::Debug) {
            let text = match std::str::from_utf8(&data) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(_) => std::borrow::Cow::Owned(format!("Undecodable: {}", py_repr_bytes(&data))),
            };
            crate::log_debug!(
                "{} {} output:\n{}",
                py_repr(&self.process_name),
                self.channel.name(),
                text
            );
        }
        if self.events_enabled {
            (self.notices)(CaptureNotice::LogEvent(Payload::new(data.into_owned())));
        }
    }

    fn write_log(&mut self, data: &[u8]) {
        let Some(log) = self.logfile.as_mut() else {
            return;
        };
        let result = if self.batching {
            self.batch_written = true;
            log.append(data)
        } else {
            log.write(data)
        };
        self.note_write(result, data.len());
    }

    /// Starts a batch: the chunks fed until [`end_batch`](Self::end_batch) are one read of the
    /// whole pipe, checked for a rollover only at its end, so what the child wrote at once
    /// never straddles two files even when the read is fed in several chunks.
    pub(super) fn begin_batch(&mut self) {
        self.batching = true;
    }

    /// Ends a batch: the rollover check of the chunks written since [`begin_batch`](Self::begin_batch).
    pub(super) fn end_batch(&mut self) {
        self.batching = false;
        if !std::mem::take(&mut self.batch_written) {
            return;
        }
        let rotated = match self.logfile.as_mut() {
            Some(log) => log.rotate_if_full(),
            None => Ok(()),
        };
        // A rollover that works says nothing about the writes before it.
        if let Err(e) = rotated {
            self.note_write(Err(e), 0);
        }
    }

    /// Tracks failure streaks: the first failure is reported, the first success after it too.
    fn note_write(&mut self, result: Result<(), LogFileError>, len: usize) {
        match result {
            Ok(()) => {
                if self.failing {
                    self.failing = false;
                    let bytes_lost = std::mem::take(&mut self.streak_lost);
                    (self.notices)(CaptureNotice::WriteRecovered { bytes_lost });
                }
            }
            Err(e) => {
                // A failed rollover happens after the data was written; anything else lost it.
                if e.op != LogOp::Rotate {
                    self.streak_lost += len as u64;
                    self.report.bytes_lost += len as u64;
                }
                if !self.failing {
                    self.failing = true;
                    (self.notices)(CaptureNotice::WriteFailed(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn processor(
        capture_maxbytes: usize,
        events: bool,
    ) -> (OutputProcessor, mpsc::Receiver<CaptureNotice>) {
        let (tx, rx) = mpsc::channel();
        let config = CaptureConfig {
            process_name: "cat".into(),
            channel: Channel::Stdout,
            logfile: None,
            syslog: false,
            strip_ansi: false,
            capture_maxbytes,
            events_enabled: events,
        };
        let p = OutputProcessor::new(config, Box::new(move |n| tx.send(n).unwrap()));
        (p, rx)
    }

    fn drain(rx: &mpsc::Receiver<CaptureNotice>) -> Vec<String> {
        rx.try_iter()
            .map(|n| match n {
                CaptureNotice::LogEvent(d) => format!("log:{}", String::from_utf8_lossy(&d)),
                CaptureNotice::Communication(d) => {
                    format!("comm:{}", String::from_utf8_lossy(&d))
                }
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn events_carry_each_chunk() {
        let (mut p, rx) = processor(0, true);
        p.feed(b"one\n");
        p.feed(b"\xff\x00two");
        assert_eq!(
            drain(&rx),
            vec![
                "log:one\n".to_string(),
                format!("log:{}", String::from_utf8_lossy(b"\xff\x00two"))
            ]
        );
    }

    #[test]
    fn capture_mode_splits_on_tokens_across_chunks() {
        let (mut p, rx) = processor(100, true);
        p.feed(b"before<!--XSUPERVI");
        p.feed(b"SOR:BEGIN-->inside<!--XSUPERVISOR:END-->after\n");
        assert_eq!(
            drain(&rx),
            vec!["log:before", "log:inside", "comm:inside", "log:after\n"]
        );
        assert!(!p.is_capturing());
    }

    #[test]
    fn held_partial_token_is_flushed_at_eof() {
        let (mut p, rx) = processor(100, true);
        p.feed(b"tail<!--XSUP");
        assert_eq!(drain(&rx), vec!["log:tail"]);
        p.finish();
        assert_eq!(drain(&rx), vec!["log:<!--XSUP"]);
    }

    #[test]
    fn short_output_is_not_held_back() {
        let (mut p, rx) = processor(100, true);
        p.feed(b"ok\n");
        assert_eq!(drain(&rx), vec!["log:ok\n"]);
    }

    #[test]
    fn comm_event_payload_is_bounded() {
        let (mut p, rx) = processor(4, false);
        p.feed(b"<!--XSUPERVISOR:BEGIN-->123456<!--XSUPERVISOR:END-->");
        assert_eq!(drain(&rx), vec!["comm:3456"]);
    }

    #[test]
    fn consecutive_sections_in_one_chunk() {
        let (mut p, rx) = processor(64, false);
        p.feed(b"<!--XSUPERVISOR:BEGIN-->a<!--XSUPERVISOR:END--><!--XSUPERVISOR:BEGIN-->b<!--XSUPERVISOR:END-->");
        assert_eq!(drain(&rx), vec!["comm:a", "comm:b"]);
    }

    #[test]
    fn listener_chunks_go_raw_to_the_protocol_reader_and_stripped_to_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("listener.log");
        let (tx, rx) = mpsc::channel();
        let config = CaptureConfig {
            process_name: "listener".into(),
            channel: Channel::Stdout,
            logfile: Some(LogFile::open(&path, 0, 0).unwrap()),
            syslog: true,
            strip_ansi: true,
            capture_maxbytes: 10,
            events_enabled: true,
        };
        let (ptx, prx) = mpsc::channel();
        let mut p = OutputProcessor::new_listener(
            config,
            Box::new(move |n| tx.send(n).unwrap()),
            Box::new(move |chunk: &[u8]| ptx.send(chunk.to_vec()).unwrap()),
        );
        p.feed(b"\x1b[1mREADY\n");
        p.feed(b"RESULT 2\nOK<!--XSUPERVISOR:BEGIN-->");
        let raw: Vec<Vec<u8>> = prx.try_iter().collect();
        assert_eq!(
            raw,
            vec![
                b"\x1b[1mREADY\n".to_vec(),
                b"RESULT 2\nOK<!--XSUPERVISOR:BEGIN-->".to_vec()
            ]
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"READY\nRESULT 2\nOK<!--XSUPERVISOR:BEGIN-->"
        );
        // No events and no capture mode for a listener's stdout.
        assert!(drain(&rx).is_empty());
        assert!(!p.is_capturing());
    }

    #[test]
    fn clear_empties_capture_buffer() {
        let (mut p, rx) = processor(64, false);
        p.feed(b"<!--XSUPERVISOR:BEGIN-->lost");
        p.clear().unwrap();
        p.feed(b"kept<!--XSUPERVISOR:END-->");
        assert_eq!(drain(&rx), vec!["comm:kept"]);
    }
}
