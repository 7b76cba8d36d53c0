//! A 200 MB flood through a real pipe is captured intact, with bounded memory.
//! (Its own test binary so the memory high-water mark belongs to this test alone.)

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use supervisord::logs::{spawn_capture, CaptureConfig, CaptureNotice, Channel, LogFile};

const TOTAL_WORDS: u64 = 200 * 1024 * 1024 / 8;

/// A position-dependent pattern: any lost, duplicated or reordered byte changes the content.
fn word(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A field of /proc/self/status in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn flood_of_200_mb_is_captured_intact_with_bounded_memory() {
    let baseline_kib = status_kib("VmRSS:");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.log");
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    let writer = std::thread::spawn(move || {
        let mut w = std::fs::File::from(write_end);
        let mut buf = Vec::with_capacity(1 << 20);
        let mut i = 0;
        while i < TOTAL_WORDS {
            buf.clear();
            // Uneven write sizes so chunk boundaries fall anywhere.
            let n = (8192 + (i % 7919) * 13).min(TOTAL_WORDS - i);
            for k in i..i + n {
                buf.extend_from_slice(&word(k).to_le_bytes());
            }
            w.write_all(&buf).unwrap();
            i += n;
        }
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let config = CaptureConfig {
        process_name: "flood".into(),
        channel: Channel::Stdout,
        logfile: Some(LogFile::open(&path, 0, 0).unwrap()),
        syslog: false,
        strip_ansi: false,
        capture_maxbytes: 0,
        events_enabled: false,
    };
    let started = Instant::now();
    let handle = spawn_capture(read_end, config, Box::new(move |n| drop(tx.send(n)))).unwrap();
    // No events, no errors: the only notice is the end of the stream.
    let notice = tokio::time::timeout(Duration::from_secs(300), rx.recv())
        .await
        .expect("capture did not finish within 300 s")
        .unwrap();
    assert!(
        matches!(notice, CaptureNotice::Finished(_)),
        "unexpected notice {notice:?}"
    );
    let elapsed = started.elapsed();
    writer.join().unwrap();
    let report = handle.wait().await;
    assert!(report.reached_eof);
    assert_eq!(report.bytes_read, TOTAL_WORDS * 8);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), TOTAL_WORDS * 8);
    eprintln!("captured {} MB in {:?}", report.bytes_read >> 20, elapsed);

    // Compare the content word by word, streaming.
    let mut file = std::fs::File::open(&path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut i = 0u64;
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        // 1 MiB reads of a regular file return whole multiples of 8 except possibly at EOF.
        assert_eq!(n % 8, 0);
        for chunk in buf[..n].chunks_exact(8) {
            let got = u64::from_le_bytes(chunk.try_into().unwrap());
            assert_eq!(got, word(i), "content differs at byte {}", i * 8);
            i += 1;
        }
    }
    assert_eq!(i, TOTAL_WORDS);

    let peak_growth_mib = status_kib("VmHWM:").saturating_sub(baseline_kib) / 1024;
    eprintln!("peak RSS growth: {peak_growth_mib} MiB");
    assert!(
        peak_growth_mib < 48,
        "memory grew by {peak_growth_mib} MiB during a 200 MB flood"
    );
}
