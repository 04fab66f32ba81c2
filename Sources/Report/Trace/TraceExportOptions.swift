import SimKernel
import World

/// What `run --trace` exports: all events, or those in a window of simulated time,
/// optionally a deterministic sample of the requests.
public struct TraceExportOptions: Sendable, Equatable {
    /// Only events at or after this instant (nanoseconds).
    public var from: Int64
    /// Only events before this instant (nanoseconds).
    public var to: Int64
    /// Keep 1 in `sample` request trees (1: all). A tree is kept when its root's id
    /// hashes into the kept share, so a kept request keeps every call it made.
    public var sample: Int

    /// Every event (or those of a window, or a sample).
    public init(from: Int64 = 0, to: Int64 = .max, sample: Int = 1) {
        self.from = from
        self.to = to
        self.sample = sample
    }

    /// Whether `time` is inside the window.
    @inline(__always) func contains(_ time: Int64) -> Bool { time >= from && time < to }

    /// Whether a request tree rooted at `id` is in the sample.
    @inline(__always) func samples(root id: Int64) -> Bool {
        sample <= 1 || StableHash.combine(0x7472_6163_6573_616d, UInt64(bitPattern: id)) % UInt64(sample) == 0
    }
}

extension TraceExportOptions {
    /// The options as `run` takes them: `window` "12m..18m" (either end may be left out:
    /// "..5m", "10m.."), `sample` a whole number N ≥ 1 (keep 1 request tree in N).
    /// - Throws: a sentence naming the option, what it expects and what it got.
    public init(window: String?, sample: String?) throws(TraceOptionError) {
        self.init()
        if let window {
            let parts = window.components(separatedBy: "..")
            guard parts.count == 2, !(parts[0].isEmpty && parts[1].isEmpty) else {
                throw TraceOptionError("--trace-window expects FROM..TO in simulated time (e.g. 12m..18m, ..5m, 10m..), got \"\(window)\"")
            }
            func instant(_ text: String, _ which: String) throws(TraceOptionError) -> Int64? {
                guard !text.isEmpty else { return nil }
                do { return try DurationText.parseNanoseconds(text) } catch {
                    throw TraceOptionError("--trace-window: its \(which) \"\(text)\" is not a duration (\(error.detail)); "
                        + "expected e.g. 90s, 12m, 1h30m")
                }
            }
            from = try instant(parts[0], "start") ?? 0
            to = try instant(parts[1], "end") ?? .max
            guard from < to else {
                throw TraceOptionError("--trace-window: its start must come before its end, got \"\(window)\"")
            }
        }
        if let sample {
            guard let n = Int(sample), n >= 1 else {
                throw TraceOptionError("--trace-sample expects a whole number N ≥ 1 (keep 1 request in N), got \"\(sample)\"")
            }
            self.sample = n
        }
    }
}

/// A `--trace-window` or `--trace-sample` the command line got wrong.
public struct TraceOptionError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
