//! Connection quality: rates from counters, grades, and a meter that does not flicker.

use satsuma_client::quality::{grade, interval, Counters, Quality, QualityMeter, Sample, RECOVER_SAMPLES};

fn sample(loss_percent: f64, rtt_ms: f64, jitter_ms: f64) -> Sample {
    Sample { loss_percent, rtt_ms, jitter_ms }
}

#[test]
fn rates_come_from_counter_deltas() {
    let a = Counters { at_ms: 1_000.0, bytes: 10_000.0, packets: 100.0, lost: 0.0 };
    let b = Counters { at_ms: 3_000.0, bytes: 260_000.0, packets: 290.0, lost: 10.0 };
    let i = interval(&a, &b);
    assert_eq!(i.kbps, 1_000.0, "250 kB in 2 s");
    assert_eq!(i.loss_percent, 5.0, "10 lost of 200 expected");
    // A restarted stream, or a sample taken twice: nothing, rather than nonsense.
    assert_eq!(interval(&b, &a), Default::default());
    assert_eq!(interval(&a, &a), Default::default());
}

#[test]
fn grades_follow_loss_delay_and_jitter() {
    assert_eq!(grade(&sample(0.0, 40.0, 5.0)), Quality::Good);
    assert_eq!(grade(&sample(3.0, 40.0, 5.0)), Quality::Fair);
    assert_eq!(grade(&sample(0.0, 350.0, 5.0)), Quality::Fair);
    assert_eq!(grade(&sample(0.0, 40.0, 35.0)), Quality::Fair);
    assert_eq!(grade(&sample(12.0, 40.0, 5.0)), Quality::Poor);
    assert_eq!(grade(&sample(0.0, 800.0, 5.0)), Quality::Poor);
    assert_eq!(grade(&sample(0.0, 40.0, 120.0)), Quality::Poor);
}

#[test]
fn the_meter_drops_at_once_and_recovers_slowly() {
    let mut meter = QualityMeter::default();
    let (good, poor) = (sample(0.0, 40.0, 5.0), sample(15.0, 40.0, 5.0));
    assert_eq!(meter.push(&good), Quality::Good);
    assert_eq!(meter.push(&poor), Quality::Poor, "a bad interval shows at once");
    for _ in 1..RECOVER_SAMPLES {
        assert_eq!(meter.push(&good), Quality::Poor, "one good interval is not recovery");
    }
    assert_eq!(meter.push(&good), Quality::Good);
    // A relapse in the middle of recovery starts the count again.
    meter.push(&poor);
    meter.push(&good);
    meter.push(&poor);
    meter.push(&good);
    assert_eq!(meter.current(), Quality::Poor);
}
