//! A small fleet through every policy: everyone reconnects, the counts add up, full jitter
//! flattens the peak, the core never holds one device twice, one seed gives one run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use reports::storm::meter::Meter;
use reports::storm::{run, Outcome, Params, Policy};

#[global_allocator]
static ALLOC: Meter = Meter;

/// 500 devices, a 10 s outage, and an accept rate low enough that the cap refuses some.
fn small() -> Params {
    Params { outage_ms: 10_000, accept_rate: 1_000, accept_burst: 50, ..Params::new(500) }
}

fn outcomes(p: &Params) -> Vec<Outcome> {
    Policy::ALL.iter().map(|&policy| run(p, policy).unwrap()).collect()
}

#[test]
fn every_policy_reconnects_everyone_and_the_counts_add_up() {
    let p = small();
    for o in outcomes(&p) {
        let name = o.policy;
        assert!(o.all_connected_after_ms.is_some(), "{name}: not all connected: {o:?}");
        assert_eq!(o.connected_at_end, 500, "{name}");
        // Each device reconnects exactly once after the outage.
        assert_eq!(o.successes, 500, "{name}");
        assert_eq!(o.unfinished, 0, "{name}");
        assert_eq!(o.attempts, o.successes + o.refusals + o.failures + o.unfinished, "{name}");
        assert_eq!(o.per_second.iter().map(|&n| u64::from(n)).sum::<u64>(), o.attempts, "{name}");
        // Every attempt during the outage was reset: at least one per device.
        assert!(o.failures >= 500, "{name}: {}", o.failures);
        assert_eq!(o.double_connects, 0, "{name}: the core held a device twice");
        assert_eq!(o.sessions_imported, 500, "{name}: the export carried every session");
        assert!(o.broker_peak_bytes >= o.broker_steady_bytes && o.broker_steady_bytes > 500 * 1024, "{name}: {o:?}");
    }
}

#[test]
fn the_cap_refuses_the_synchronised_policies_and_full_jitter_peaks_lower() {
    let p = small();
    let all = outcomes(&p);
    let by = |policy| all.iter().find(|o| o.policy == policy).unwrap();
    // 500 devices retrying together against a 50-deep bucket at 1,000/s: refusals.
    assert!(by(Policy::None).refusals > 0);
    assert!(by(Policy::Fixed).refusals > 0);
    let (none, jitter) = (by(Policy::None).peak().0, by(Policy::FullJitter).peak().0);
    assert!(jitter * 10 < none, "full jitter {jitter}/s vs none {none}/s");
    // Retrying at once makes far more attempts than any waiting policy.
    for policy in [Policy::Fixed, Policy::Exponential, Policy::FullJitter] {
        assert!(by(policy).attempts * 5 < by(Policy::None).attempts, "{policy}");
    }
}

#[test]
fn one_seed_gives_one_run_and_another_seed_another() {
    let p = small();
    for policy in [Policy::Fixed, Policy::FullJitter] {
        let (a, b) = (run(&p, policy).unwrap(), run(&p, policy).unwrap());
        assert_eq!(a, b, "{policy}");
        let c = run(&Params { seed: 2, ..p.clone() }, policy).unwrap();
        assert_ne!(a.per_second, c.per_second, "{policy}: the seed changed nothing");
    }
}

#[test]
fn a_short_limit_reports_who_is_still_out() {
    // Exponential back-off without jitter against a 10-deep bucket: waves of synchronised
    // retries, each admitting a few; 5 s after the return some are still out.
    let p = Params { accept_rate: 100, accept_burst: 10, limit_ms: 5_000, ..small() };
    let o = run(&p, Policy::Exponential).unwrap();
    assert_eq!(o.all_connected_after_ms, None);
    assert!(o.connected_at_end < 500);
    assert_eq!(o.attempts, o.successes + o.refusals + o.failures + o.unfinished);
}

#[test]
fn running_the_outage_resets_inline_changes_no_count() {
    // The same runs with every reset of the outage as an event on the wheel: equal outcomes
    // but for the number of events, which the inline path cuts.
    for p in [small(), Params { seed: 5, accept_rate: 300, accept_burst: 5, limit_ms: 20_000, ..small() }] {
        for policy in Policy::ALL {
            let fast = run(&p, policy).unwrap();
            let slow = run(&Params { inline_outage: false, ..p.clone() }, policy).unwrap();
            assert!(fast.events < slow.events, "{policy}: {} vs {}", fast.events, slow.events);
            assert_eq!(Outcome { events: 0, ..fast }, Outcome { events: 0, ..slow }, "{policy}");
        }
    }
}
