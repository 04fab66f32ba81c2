import Foundation
import Platform
import SimKernel
import Testing
import World

/// A small platform world for tests: a few minutes of traffic through every service,
/// quick enough to run many times in a debug build. Tests change it with `--set`-style
/// overrides.
let smallWorldText = #"""
{
  "version": 1,
  "name": "small",
  "seed": 3,
  "duration": "12m",
  "max_events": 3000000,
  "metrics": { "interval": "30s" },
  "traffic": {
    "rate": [ { "for": "5m", "rate": "2/s" } ],
    "journeys": [ { "kind": "order", "weight": 0.8 }, { "kind": "browse", "weight": 0.2 } ],
    "population": 2000,
    "logged_in": 0.8,
    "app": { "timeout": "4s", "attempts": 2, "patience": { "constant": "5m" }, "poll_interval": "1m",
             "browse_pages": { "constant": 1 }, "think": { "constant": "2s" } }
  },
  "catalog": { "items": 50, "zipf": 0.5, "stock": 10000, "flash_items": 1, "flash_stock": 5 },
  "merchants": { "count": 40, "kitchen": 8, "prepare": { "constant": "2m" }, "decide": { "constant": "5s" }, "refuse": 0 },
  "riders": { "count": 300, "capacity": 2, "to_merchant": { "constant": "1m" }, "to_customer": { "constant": "1m" } },
  "services": {
    "gateway": { "instances": 2, "workers": 32 },
    "auth": { "workers": 8 },
    "menu": { "workers": 8 },
    "order": {
      "instances": 2, "workers": 16,
      "calls": {
        "default": { "timeout": "3s" },
        "dispatch": { "timeout": "35s" },
        "inventory": { "timeout": "1s",
                       "breaker": { "kind": "resilience4j", "size": 20, "min_calls": 10, "failure_rate": "50%", "wait_open": "20s", "half_open_calls": 3 } }
      }
    },
    "inventory": { "instances": 2, "workers": 8, "lock_ttl": "10s" },
    "payment": { "workers": 8 },
    "dispatch": { "instances": 2, "workers": 16 },
    "notification": { "workers": 4 }
  }
}
"""#

/// The small world with overrides applied.
func smallWorld(_ overrides: [String] = []) throws -> WorldSpec {
    try WorldJSON.read(Array(smallWorldText.utf8), file: "small.json", overrides: overrides, with: WorldSpec.reader)
}

/// Runs the small world with overrides.
func runSmall(_ overrides: [String] = []) throws -> WorldOutcome {
    try runWorld(try smallWorld(overrides))
}

extension WorldOutcome {
    /// A metric's whole-run value, nil when the run never made it (for tests about
    /// whether a metric exists at all).
    func metric(_ name: String) -> Double? {
        MetricQuery(metrics: metrics, end: result.endTime).value(name, in: nil)
    }

    /// A metric's value (whole run, or a window). A metric the run does not have records
    /// a test issue at the caller and gives NaN, which no comparison accepts: a missing
    /// metric can never pass for a small one.
    func value(_ name: String, in window: ClosedRange<Duration>? = nil,
               sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Double {
        guard let value = MetricQuery(metrics: metrics, end: result.endTime).value(name, in: window) else {
            Issue.record("the run has no metric \(name)", sourceLocation: sourceLocation)
            return .nan
        }
        return value
    }

    /// A metric that must exist, for tests that compute with it (a missing one throws).
    func required(_ name: String, in window: ClosedRange<Duration>? = nil,
                sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Double {
        try #require(MetricQuery(metrics: metrics, end: result.endTime).value(name, in: window),
                     "the run has no metric \(name)", sourceLocation: sourceLocation)
    }
}

/// Simulated minutes `from` to `to`, as a metric window.
func minutes(_ from: Double, _ to: Double) -> ClosedRange<Duration> {
    .seconds(from * 60) ... .seconds(to * 60)
}
